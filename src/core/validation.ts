/**
 * The rules for input from outside: callers of the API and the tools, settings, messages from the
 * webviews and the real-time server's clients. Every check of a name or of control characters uses
 * these, so that what one entry point accepts the others accept too.
 */
import { LIMITS, MAX_DURATION_SECONDS } from './limits';
import { parseTimestamp, type Timestamp } from './time';

export { LIMITS };

// eslint-disable-next-line no-control-regex -- finding control characters is this rule's job
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** The most characters of a skill name a caller may give. */
export const SKILL_NAME_MAX = LIMITS.name;

/** The most characters of a skill name Session Buddy makes itself. */
export const SAFE_SKILL_NAME_MAX = 64;

/**
 * Skill names Session Buddy makes itself (from commands, tasks, setting rules and typed names):
 * lower-case, starting with a letter or digit, at most SAFE_SKILL_NAME_MAX characters. They stay
 * recognisable as identifiers in every view, and each one is also a skill name by isSkillName.
 */
export const SAFE_SKILL_NAME = new RegExp(`^[a-z0-9][a-z0-9._:-]{0,${SAFE_SKILL_NAME_MAX - 1}}$`);

/** C0 controls and DEL: they break terminals, logs and one-line displays. */
export function hasControlCharacters(text: string): boolean {
  return CONTROL_CHARACTERS.test(text);
}

/** A skill name as a caller may give it (the rule requireName applies to a skill). */
export function isSkillName(value: unknown): value is string {
  return 'name' in checkName(value, SKILL_NAME_MAX);
}

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

/** A name is trimmed, then must have 1 to `max` characters, none of them a control character. */
function checkName(value: unknown, max: number): { name: string } | { problem: string } {
  if (typeof value !== 'string') return { problem: 'must be a string' };
  const trimmed = value.trim();
  if (!trimmed) return { problem: 'must not be empty' };
  if (trimmed.length > max) return { problem: `must be at most ${max} characters (got ${trimmed.length})` };
  if (hasControlCharacters(trimmed)) return { problem: 'must not contain control characters' };
  return { name: trimmed };
}

export function requireName(field: string, value: unknown, max: number = LIMITS.name): string {
  const checked = checkName(value, max);
  if ('problem' in checked) throw new ValidationError(field, checked.problem);
  return checked.name;
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
