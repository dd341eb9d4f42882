/**
 * One canonical timestamp format for everything stored: UTC, millisecond precision, `Z` suffix
 * (`2026-11-25T12:24:30.123Z`, what Date.toISOString() gives). It sorts as text, so range filters
 * compare the raw column with a bound computed here and the (skill_name, invoked_at) index is used.
 */
export type Timestamp = string;

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** ISO 8601 with an explicit zone, or a naive time (taken as UTC, as the Python tool wrote them). */
const ACCEPTED = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;

export function toTimestamp(date: Date): Timestamp {
  return date.toISOString();
}

export function nowTimestamp(): Timestamp {
  return new Date().toISOString();
}

export function isCanonical(value: string): boolean {
  return CANONICAL.test(value);
}

/** Parses a Date, epoch milliseconds or an ISO 8601 string; throws a clear error otherwise. */
export function parseTimestamp(value: string | number | Date): Timestamp {
  if (value instanceof Date) return checkedIso(value, String(value));
  if (typeof value === 'number') return checkedIso(new Date(value), String(value));
  const trimmed = value.trim();
  if (isCanonical(trimmed)) return checkedIso(new Date(trimmed), value);
  const match = ACCEPTED.exec(trimmed);
  if (!match) throw new RangeError(`Unparseable timestamp "${value}": expected ISO 8601 such as 2026-11-25T12:00:00Z`);
  const zone = match[3] ?? 'Z';
  return checkedIso(new Date(`${match[1]}T${match[2]}${zone}`), value);
}

function checkedIso(date: Date, original: string): Timestamp {
  if (Number.isNaN(date.getTime())) throw new RangeError(`Unparseable timestamp "${original}"`);
  return date.toISOString();
}

export function hoursAgo(hours: number, from: Date = new Date()): Timestamp {
  return new Date(from.getTime() - hours * 3_600_000).toISOString();
}

/** The start of the UTC hour holding `ts`, in canonical form. */
export function hourBucket(ts: Timestamp): Timestamp {
  return `${ts.slice(0, 13)}:00:00.000Z`;
}
