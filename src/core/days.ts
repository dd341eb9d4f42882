/**
 * Calendar days for what people read ("today", a dashboard's days): the user's local day by default
 * (a setting may choose UTC). Timestamps stay stored in UTC; a day is the range of stored
 * timestamps from its first to its last instant, so a range filter still uses the indexes.
 */
export type DayBoundary = 'local' | 'utc';

export interface CalendarDay {
  /** YYYY-MM-DD in the chosen calendar. */
  date: string;
  /** Canonical UTC timestamps: start inclusive, end exclusive. */
  start: string;
  end: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

function midnight(date: Date, boundary: DayBoundary, offsetDays = 0): Date {
  if (boundary === 'utc') return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + offsetDays));
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + offsetDays);
}

function key(day: Date, boundary: DayBoundary): string {
  return boundary === 'utc'
    ? `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`
    : `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** The day holding `now`. Local days may be 23 or 25 hours long (daylight saving). */
export function dayOf(now: Date, boundary: DayBoundary): CalendarDay {
  const start = midnight(now, boundary);
  return { date: key(start, boundary), start: start.toISOString(), end: midnight(now, boundary, 1).toISOString() };
}

/** The last `count` days up to and including today, oldest first. */
export function lastDays(count: number, now: Date, boundary: DayBoundary): CalendarDay[] {
  return Array.from({ length: count }, (_, i) => {
    const start = midnight(now, boundary, i - count + 1);
    return { date: key(start, boundary), start: start.toISOString(), end: midnight(now, boundary, i - count + 2).toISOString() };
  });
}
