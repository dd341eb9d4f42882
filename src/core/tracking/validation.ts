import { CONTROL_CHARACTERS, LIMITS, MAX_DURATION_SECONDS } from '../limits';
import { parseTimestamp, type Timestamp } from '../time';

export { LIMITS };

/** Bad input from a caller: the message says which field and what is expected. */
export class ValidationError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

export class UnknownSessionError extends Error {
  constructor(readonly sessionId: string) {
    super(`unknown session "${sessionId}" (create it first)`);
  }
}

export function requireName(field: string, value: unknown, max: number = LIMITS.name): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  const trimmed = value.trim();
  if (!trimmed) throw new ValidationError(field, 'must not be empty');
  if (trimmed.length > max) throw new ValidationError(field, `must be at most ${max} characters (got ${trimmed.length})`);
  if (CONTROL_CHARACTERS.test(trimmed)) throw new ValidationError(field, 'must not contain control characters');
  return trimmed;
}

export function optionalText(field: string, value: unknown, max: number = LIMITS.label): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  if (value.length > max) throw new ValidationError(field, `must be at most ${max} characters (got ${value.length})`);
  return value;
}

export function optionalDuration(field: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(field, 'must be a finite number of seconds');
  if (value < 0) throw new ValidationError(field, `must not be negative (got ${value})`);
  if (value > MAX_DURATION_SECONDS) throw new ValidationError(field, `must be at most ${MAX_DURATION_SECONDS} seconds (30 days; got ${value})`);
  return value;
}

export function optionalRank(field: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ValidationError(field, 'must be an integer of 1 or more (1 = first choice)');
  return value;
}

export function optionalTimestamp(field: string, value: unknown, fallback: () => Timestamp): Timestamp {
  if (value === undefined || value === null) return fallback();
  if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof Date)) throw new ValidationError(field, 'must be an ISO 8601 timestamp');
  try {
    return parseTimestamp(value);
  } catch (err) {
    throw new ValidationError(field, (err as Error).message);
  }
}

/** A list of labels stored as JSON text; an empty list is stored as NULL. */
export function optionalList(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new ValidationError(field, 'must be a list of strings');
  if (value.length > LIMITS.listItems) throw new ValidationError(field, `must have at most ${LIMITS.listItems} items`);
  const items = value.map((item, i) => optionalText(`${field}[${i}]`, item, LIMITS.name));
  if (items.some((item) => item === null)) throw new ValidationError(field, 'must contain only strings');
  return items.length ? JSON.stringify(items) : null;
}

export function positiveInteger(field: string, value: unknown, fallback: number, max = 10_000): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(field, `must be an integer from 1 to ${max}`);
  }
  return value;
}
