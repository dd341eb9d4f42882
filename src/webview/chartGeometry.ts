import type { DayPoint } from '../core/dashboard/dashboardData';
import { formatDuration } from '../shared/words';

/**
 * Where the parts of the dashboard's charts go, as plain numbers (the page draws them as SVG at this
 * size, unscaled, so a 12 px label is 12 px on screen; the tests check the numbers): bars per day on
 * a value axis in whole units, the share completed on a 0–100 % axis, and dates under the days.
 * Pure: no DOM.
 */
export interface ChartSize {
  width: number;
  height: number;
  /** Room for the value axis labels (left), the rate axis (right), the axis units (top) and the dates (bottom). */
  left: number;
  right: number;
  top: number;
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
  text: string;
}

export interface XLabel {
  x: number;
  text: string;
  anchor: 'start' | 'middle' | 'end';
}

/** What the values count: runs (whole numbers) or seconds (shown as durations). */
export type ValueKind = 'count' | 'duration';

export interface ChartGeometry {
  size: ChartSize;
  /** The plot area inside the margins. */
  plot: { x: number; y: number; width: number; height: number };
  bars: Bar[];
  /** The value axis, from 0 up to the top, in round steps of whole units. */
  valueTicks: Tick[];
  /** The rate axis: 0 %, 50 %, 100 %. */
  rateTicks: Tick[];
  /** Completion-rate polylines ("x,y x,y"), one per run of consecutive days with data. */
  lines: string[];
  /** Days with a completion rate, as dots (a single day has no line). */
  dots: { x: number; y: number; point: DayPoint }[];
  xLabels: XLabel[];
  /** The top of the value axis. */
  max: number;
}

/** Tick labels are 12 px (media/webview.css); about this much room keeps two dates apart. */
const DATE_LABEL_SPACING = 52;

export function chartSize(width: number, height: number, options: { rateAxis: boolean }): ChartSize {
  return { width: Math.max(160, Math.round(width)), height, left: 48, right: options.rateAxis ? 44 : 12, top: 26, bottom: 20 };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The smallest of 1, 2, 5 × 10^k (at least `floor`) whose `steps` multiples reach `value`. */
function countStep(value: number, steps: number): number {
  const rough = Math.max(1, value / steps);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((s) => s * magnitude).find((s) => s >= rough - 1e-9)!;
}

/** Steps that read as whole units: seconds, minutes, hours. */
const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200];
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** The unit the largest value is in decides the step's unit, so an axis reads "1 min, 2 min", never "1 min 30 s". */
function durationStep(value: number, steps: number): number {
  if (value > DAY) return DAY * countStep(value / DAY, steps);
  const unit = value > HOUR ? HOUR : value > MINUTE ? MINUTE : 1;
  return DURATION_STEPS.find((s) => s >= unit && s * steps >= value - 1e-9) ?? DAY;
}

/**
 * A value axis from 0 to at least `max` in at most four equal steps of whole units: counts in 1, 2, 5
 * × 10^k (never "12.5 runs"), durations in whole seconds, minutes, hours or days ("30 s", "2 min").
 */
export function valueAxis(max: number, kind: ValueKind): { top: number; values: number[]; text: (v: number) => string } {
  const text = kind === 'duration' ? (v: number) => formatDuration(v) : (v: number) => String(v);
  const step = kind === 'duration' ? durationStep(Math.max(max, 1), 4) : countStep(Math.max(max, 1), 4);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const values = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  return { top, values, text };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-03-01" → "Mar 1". */
export function shortDate(date: string): string {
  const [, month, day] = date.split('-').map(Number);
  return `${MONTHS[month - 1]} ${day}`;
}

/**
 * A date under every k-th day, counted back from the last (today), k as small as keeps the labels
 * apart; the first and last labels lean inwards so they stay inside the chart.
 */
function dateLabels(dates: string[], slot: number, left: number, width: number): XLabel[] {
  const every = Math.max(1, Math.ceil(DATE_LABEL_SPACING / slot));
  const labels: XLabel[] = [];
  for (let i = dates.length - 1; i >= 0; i -= every) {
    const x = round(left + i * slot + slot / 2);
    const anchor = x - DATE_LABEL_SPACING / 2 < left ? 'start' : x + DATE_LABEL_SPACING / 2 > left + width ? 'end' : 'middle';
    labels.unshift({ x: anchor === 'start' ? left : anchor === 'end' ? left + width : x, text: shortDate(dates[i]), anchor });
  }
  return labels;
}

function rateTicks(plot: ChartGeometry['plot']): Tick[] {
  return [0, 0.5, 1].map((r) => ({ value: r, y: round(plot.y + plot.height - r * plot.height), text: `${r * 100}%` }));
}

/**
 * Bars of `value(day)` (runs per day by default) scaled to the value axis (at least `max`, so several
 * charts can share one scale), and the completion line over the full plot height. Days without
 * runs break the line instead of drawing it to zero: "no runs" is not "0% completed".
 */
export function chartGeometry(days: DayPoint[], size: ChartSize, options: { max?: number; value?: (d: DayPoint) => number; kind?: ValueKind } = {}): ChartGeometry {
  const value = options.value ?? ((d: DayPoint) => d.invocations);
  const plot = { x: size.left, y: size.top, width: size.width - size.left - size.right, height: size.height - size.top - size.bottom };
  const slot = days.length ? plot.width / days.length : plot.width;
  const barWidth = Math.max(1, slot * 0.7);
  const axis = valueAxis(days.reduce((most, day) => Math.max(most, value(day)), options.max ?? 0), options.kind ?? 'count');
  const yOf = (fraction: number) => round(plot.y + plot.height - fraction * plot.height);
  const bars: Bar[] = days.map((point, i) => {
    const v = value(point);
    const height = round((v / axis.top) * plot.height);
    return { x: round(plot.x + i * slot + (slot - barWidth) / 2), y: round(plot.y + plot.height - height), width: round(barWidth), height, point, value: v };
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
    const y = yOf(point.completionRate);
    dots.push({ x, y, point });
    run.push(`${x},${y}`);
  });
  if (run.length > 1) lines.push(run.join(' '));
  const valueTicks = axis.values.map((v) => ({ value: v, y: yOf(v / axis.top), text: axis.text(v) }));
  return { size, plot, bars, valueTicks, rateTicks: rateTicks(plot), lines, dots, xLabels: dateLabels(days.map((d) => d.date), slot, plot.x, plot.width), max: axis.top };
}

export interface TrendGeometry {
  size: ChartSize;
  plot: ChartGeometry['plot'];
  dots: { x: number; y: number; value: number; daysAgo: number; date: string }[];
  /** The fitted line from the first to the last point ("x1,y1 x2,y2"), when there is one. */
  fit: string | null;
  rateTicks: Tick[];
  xLabels: XLabel[];
}

const DAY_MS = 86_400_000;

/** The local calendar date (YYYY-MM-DD) `daysAgo` whole days before `now`. */
function localDate(now: Date, daysAgo: number): string {
  const d = new Date(now.getTime() - daysAgo * DAY_MS);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * A completion trend: one dot per 24-hour period with runs (0–100 %), each dated by the day its period
 * ends, and the least-squares line.
 */
export function trendGeometry(series: { points: { x: number; y: number }[]; span: number; fit: { intercept: number; slope: number } | null }, size: ChartSize, now: Date): TrendGeometry {
  const plot = { x: size.left, y: size.top, width: size.width - size.left - size.right, height: size.height - size.top - size.bottom };
  const span = Math.max(1, series.span);
  const slot = plot.width / span;
  const xOf = (x: number) => round(plot.x + x * slot + slot / 2);
  const yOf = (y: number) => round(plot.y + plot.height - Math.min(1, Math.max(0, y)) * plot.height);
  const dots = series.points.map((p) => ({ x: xOf(p.x), y: yOf(p.y), value: p.y, daysAgo: span - 1 - p.x, date: localDate(now, span - 1 - p.x) }));
  const first = series.points[0];
  const last = series.points.at(-1);
  const fit = series.fit && first && last ? `${xOf(first.x)},${yOf(series.fit.intercept + series.fit.slope * first.x)} ${xOf(last.x)},${yOf(series.fit.intercept + series.fit.slope * last.x)}` : null;
  const dates = Array.from({ length: span }, (_, x) => localDate(now, span - 1 - x));
  return { size, plot, dots, fit, rateTicks: rateTicks(plot), xLabels: series.points.length ? dateLabels(dates, slot, plot.x, plot.width) : [] };
}

/**
 * The x of a moment on a chart of `dayCount` days, from its day offset (dashboard/changeMarks.ts: the
 * day's index plus the share of the day gone), so a change at noon stands in the middle of its day's
 * slot, between the bars of the days before and after it.
 */
export function offsetX(offset: number, dayCount: number, plot: ChartGeometry['plot']): number {
  const slot = dayCount ? plot.width / dayCount : plot.width;
  return round(plot.x + Math.min(Math.max(offset, 0), dayCount) * slot);
}
