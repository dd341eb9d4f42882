import type { DayPoint } from '../core/dashboard/dashboardData';

export interface ChartSize {
  width: number;
  height: number;
  /** Room left at the bottom for the axis labels. */
  axis: number;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  point: DayPoint;
}

export interface ChartGeometry {
  size: ChartSize;
  bars: Bar[];
  /** Completion-rate polylines ("x,y x,y"), one per run of consecutive days with data. */
  lines: string[];
  /** Days with a completion rate, as dots (a single day has no line). */
  dots: { x: number; y: number; point: DayPoint }[];
  maxInvocations: number;
}

export const DEFAULT_CHART_SIZE: ChartSize = { width: 300, height: 90, axis: 14 };

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * Where the bars (invocations per day, scaled to the busiest day) and the completion line (0..1
 * over the full plot height) go. Days without runs break the line instead of drawing it to zero,
 * because "no runs" is not "0% completed".
 */
export function chartGeometry(days: DayPoint[], size: ChartSize = DEFAULT_CHART_SIZE): ChartGeometry {
  const plot = size.height - size.axis;
  const slot = days.length ? size.width / days.length : size.width;
  const barWidth = Math.max(1, slot * 0.7);
  const maxInvocations = Math.max(0, ...days.map((d) => d.invocations));
  const bars: Bar[] = days.map((point, i) => {
    const height = maxInvocations ? (point.invocations / maxInvocations) * plot : 0;
    return { x: round(i * slot + (slot - barWidth) / 2), y: round(plot - height), width: round(barWidth), height: round(height), point };
  });
  const dots: ChartGeometry['dots'] = [];
  const lines: string[] = [];
  let run: string[] = [];
  days.forEach((point, i) => {
    if (point.completionRate === null) {
      if (run.length > 1) lines.push(run.join(' '));
      run = [];
      return;
    }
    const x = round(i * slot + slot / 2);
    const y = round(plot - point.completionRate * plot);
    dots.push({ x, y, point });
    run.push(`${x},${y}`);
  });
  if (run.length > 1) lines.push(run.join(' '));
  return { size, bars, lines, dots, maxInvocations };
}
