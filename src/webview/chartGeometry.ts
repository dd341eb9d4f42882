import type { DayPoint } from '../core/dashboard/dashboardData';

/**
 * Where the parts of the dashboard's charts go, as plain numbers (the page draws them as SVG; the
 * tests check them): bars per day on a labelled value axis, the share completed on a 0–100 % axis,
 * and date labels. Pure: no DOM.
 */
export interface ChartSize {
  width: number;
  height: number;
  /** Room at the left for the value axis labels, at the right for the rate axis, at the bottom for dates. */
  left: number;
  right: number;
  bottom: number;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  point: DayPoint;
  value: number;
}

export interface Tick {
  y: number;
  value: number;
}

export interface XLabel {
  x: number;
  text: string;
  anchor: 'start' | 'middle' | 'end';
}

export interface ChartGeometry {
  size: ChartSize;
  /** The plot area inside the margins. */
  plot: { x: number; y: number; width: number; height: number };
  bars: Bar[];
  /** The value axis: 0, half and the top of the scale. */
  valueTicks: Tick[];
  /** Completion-rate polylines ("x,y x,y"), one per run of consecutive days with data. */
  lines: string[];
  /** Days with a completion rate, as dots (a single day has no line). */
  dots: { x: number; y: number; point: DayPoint }[];
  xLabels: XLabel[];
  /** The top of the value axis (a round number at or above the largest value). */
  max: number;
}

export const DEFAULT_CHART_SIZE: ChartSize = { width: 320, height: 120, left: 30, right: 30, bottom: 16 };

const round = (n: number) => Math.round(n * 10) / 10;

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (0 stays 0). */
export function niceCeiling(value: number): number {
  if (value <= 0) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value - 1e-9)!;
  return step * magnitude;
}

/** Date labels: every day of a week, else the first, the middle and the last day. */
function dateLabels(days: DayPoint[], slot: number, left: number): XLabel[] {
  const text = (d: DayPoint) => d.date.slice(5);
  if (days.length <= 7) return days.map((d, i) => ({ x: round(left + i * slot + slot / 2), text: text(d), anchor: 'middle' }));
  const middle = Math.floor((days.length - 1) / 2);
  return [
    { x: left, text: text(days[0]), anchor: 'start' },
    { x: round(left + middle * slot + slot / 2), text: text(days[middle]), anchor: 'middle' },
    { x: left + days.length * slot, text: text(days[days.length - 1]), anchor: 'end' },
  ];
}

/**
 * Bars of `value(day)` (runs per day by default) scaled to `max` (default: the largest value, so
 * several charts can share one scale), and the completion line over the full plot height. Days
 * without runs break the line instead of drawing it to zero: "no runs" is not "0% completed".
 */
export function chartGeometry(days: DayPoint[], options: { size?: ChartSize; max?: number; value?: (d: DayPoint) => number } = {}): ChartGeometry {
  const size = options.size ?? DEFAULT_CHART_SIZE;
  const value = options.value ?? ((d: DayPoint) => d.invocations);
  const plot = { x: size.left, y: 0, width: size.width - size.left - size.right, height: size.height - size.bottom };
  const slot = days.length ? plot.width / days.length : plot.width;
  const barWidth = Math.max(1, slot * 0.7);
  const max = niceCeiling(days.reduce((most, day) => Math.max(most, value(day)), options.max ?? 0));
  const bars: Bar[] = days.map((point, i) => {
    const v = value(point);
    const height = max ? (v / max) * plot.height : 0;
    return { x: round(plot.x + i * slot + (slot - barWidth) / 2), y: round(plot.height - height), width: round(barWidth), height: round(height), point, value: v };
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
    const x = round(plot.x + i * slot + slot / 2);
    const y = round(plot.height - point.completionRate * plot.height);
    dots.push({ x, y, point });
    run.push(`${x},${y}`);
  });
  if (run.length > 1) lines.push(run.join(' '));
  const valueTicks = max ? [0, max / 2, max].map((v) => ({ value: v, y: round(plot.height - (v / max) * plot.height) })) : [{ value: 0, y: plot.height }];
  return { size, plot, bars, valueTicks, lines, dots, xLabels: days.length ? dateLabels(days, slot, plot.x) : [], max };
}

export interface TrendGeometry {
  size: ChartSize;
  dots: { x: number; y: number; value: number; daysAgo: number }[];
  /** The fitted line from the first to the last point ("x1,y1 x2,y2"), when there is one. */
  fit: string | null;
  xLabels: XLabel[];
}

/** A completion trend: one dot per 24-hour period with runs (0–100 %), and the least-squares line. */
export function trendGeometry(series: { points: { x: number; y: number }[]; span: number; fit: { intercept: number; slope: number } | null }, size: ChartSize = DEFAULT_CHART_SIZE): TrendGeometry {
  const plot = { x: size.left, width: size.width - size.left - size.right, height: size.height - size.bottom };
  const span = Math.max(1, series.span);
  const slot = plot.width / span;
  const xOf = (x: number) => round(plot.x + x * slot + slot / 2);
  const yOf = (y: number) => round(plot.height - Math.min(1, Math.max(0, y)) * plot.height);
  const dots = series.points.map((p) => ({ x: xOf(p.x), y: yOf(p.y), value: p.y, daysAgo: span - 1 - p.x }));
  const first = series.points[0];
  const last = series.points.at(-1);
  const fit = series.fit && first && last ? `${xOf(first.x)},${yOf(series.fit.intercept + series.fit.slope * first.x)} ${xOf(last.x)},${yOf(series.fit.intercept + series.fit.slope * last.x)}` : null;
  const xLabels: XLabel[] = series.points.length ? [{ x: plot.x, text: `${span} days ago`, anchor: 'start' }, { x: plot.x + plot.width, text: 'today', anchor: 'end' }] : [];
  return { size, dots, fit, xLabels };
}
