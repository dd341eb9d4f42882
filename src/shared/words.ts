/**
 * How every message says a count and a duration: the editor, the CLI and the webviews import this one
 * module, so "1 run" / "2 runs" and "1 min 56 s" read the same everywhere. Plain functions with no
 * imports at all, which is why the browser bundles may load it (test/unit/architecture.test.ts).
 */

/** The plural of an English noun: "run" → "runs", "anomaly" → "anomalies", "batch" → "batches". */
export function pluralOf(noun: string): string {
  if (/[^aeiou]y$/i.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(noun)) return `${noun}es`;
  return `${noun}s`;
}

/** "1 run", "0 runs", "3 anomalies"; `irregular` for a plural the rule does not make ("person", "people"). */
export function plural(count: number, noun: string, irregular?: string): string {
  return `${count} ${count === 1 ? noun : (irregular ?? pluralOf(noun))}`;
}

const MINUTE = 60;

/**
 * A duration in the largest unit that keeps it readable, with one step below it while that step still
 * matters: "0.4 s", "42 s", "1 min 56 s", "12 min", "1 h 5 min", "26 h". Null (nothing recorded) is "–".
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  if (seconds < 10) return seconds === 0 ? '0 s' : `${Math.round(seconds * 10) / 10} s`;
  const whole = Math.round(seconds);
  if (whole < MINUTE) return `${whole} s`;
  if (whole < 10 * MINUTE) return joinUnits(Math.floor(whole / MINUTE), 'min', whole % MINUTE, 's');
  const minutes = Math.round(whole / MINUTE);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 10 * 60) return joinUnits(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  return `${Math.round(minutes / 60)} h`;
}

function joinUnits(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
}

/** A rate 0..1 as a whole percentage, "–" when there is none (no runs is not 0 %). */
export function formatPercent(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 100)}%`;
}
