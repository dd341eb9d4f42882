import { ValidationError } from '../validation';

/** A positive finite number option (hours, thresholds), or the fallback when it is not given. */
export function positiveNumber(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new ValidationError(field, `must be a number greater than 0 and at most ${max}`);
  }
  return value;
}

/** The instant windows end at: the caller's (tests, replays) or the current time. */
export function referenceTime(now: unknown): Date {
  if (now === undefined || now === null) return new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new ValidationError('now', 'must be a valid Date');
  return now;
}
