import type { TopSkillRow } from './dashboardData';

type Cell = string | number | null;

/**
 * A text cell as RFC 4180 wants it, and safe to open in a spreadsheet: a leading = + - @ would be
 * read as a formula, so such a cell starts with an apostrophe.
 */
function cell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly Cell[][]): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** The dashboard's top-skills table, with the figures unrounded: rates 0..1, durations in seconds, UTC times. */
export function topSkillsCsv(rows: readonly TopSkillRow[]): string {
  return toCsv(
    ['skill', 'runs', 'completion_rate', 'avg_duration_seconds', 'time_spent_seconds', 'last_run'],
    rows.map((r) => [r.skill, r.invocations, r.completionRate, r.avgDurationSeconds, r.timeSpentSeconds, r.lastInvoked]),
  );
}
