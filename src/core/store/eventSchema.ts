import * as z from 'zod';
import { LIMITS, MAX_DURATION_SECONDS } from '../limits';
import { isCanonical } from '../time';
import { hasControlCharacters } from '../validation';
import { DERIVED_TABLES, INVOCATION_SOURCES, type StoreEvent } from './events';

/**
 * The schema of every event type, checked when an event is committed and again when a log line is
 * read back, so that a damaged, hand-edited or foreign line is skipped with a reason instead of
 * reaching SQL (or stopping the store). Limits are the documented ones of `limits.ts`.
 */

/** An event as it is logged: with the store clock's stamp that orders it against other processes' events. */
export type LoggedEvent = StoreEvent & { s: number };

/** A line longer than this is not an event this store wrote (the largest are profile imports). */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

const name = z
  .string()
  .min(1)
  .max(LIMITS.name)
  .refine((v) => !hasControlCharacters(v), 'must not contain control characters');
const text = (max: number) => z.string().max(max).nullable();
const timestamp = z.string().refine(isCanonical, 'expected a UTC timestamp such as 2026-11-25T12:00:00.000Z');
const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,63}$/, 'expected a column name');
const sqlValue = z.union([z.string().max(1_000_000), z.number(), z.boolean(), z.null()]);
const stamp = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional();
const table = z.enum(DERIVED_TABLES);

const invocationRow = z.strictObject({
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  skill_name: name,
  invoked_at: timestamp,
  session_id: name,
  workflow_path: text(LIMITS.label),
  completed: z.literal([0, 1]),
  duration_seconds: z.number().min(0).max(MAX_DURATION_SECONDS).nullable(),
  user_query: text(LIMITS.text),
  alternatives_considered: text(LIMITS.listItems * (LIMITS.name * 6 + 3) + 2),
  selection_rank: z.number().int().min(1).nullable(),
  follow_up_actions: text(LIMITS.listItems * (LIMITS.name * 6 + 3) + 2),
  error_type: text(LIMITS.label),
  workflow_phase: text(LIMITS.phase),
  workflow_step_id: text(LIMITS.name),
  source: z.enum(INVOCATION_SOURCES).nullable().optional(),
  record_key: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 hex digits').nullable().optional(),
});

const SCHEMAS: Record<StoreEvent['t'], z.ZodType> = {
  invocation: z.strictObject({ s: stamp, t: z.literal('invocation'), row: invocationRow, user_id: name.nullable() }),
  session_start: z.strictObject({
    s: stamp,
    t: z.literal('session_start'),
    session: z.strictObject({
      session_id: name,
      user_id: name,
      project_hash: text(LIMITS.phase),
      source: text(LIMITS.phase),
      started_at: timestamp,
    }),
  }),
  session_end: z.strictObject({ s: stamp, t: z.literal('session_end'), session_id: name, ended_at: timestamp }),
  retention: z.strictObject({ s: stamp, t: z.literal('retention'), before: timestamp }),
  purge: z.strictObject({ s: stamp, t: z.literal('purge'), at: timestamp }),
  upsert: z.strictObject({
    s: stamp,
    t: z.literal('upsert'),
    table,
    key: z.array(identifier).min(1).max(8),
    rows: z.array(z.record(identifier, sqlValue)).min(1).max(100_000),
  }),
  delete: z.strictObject({ s: stamp, t: z.literal('delete'), table, where: z.record(identifier, sqlValue) }),
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}

/** Why an event breaks the schema, or undefined when it is valid. */
export function eventProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const type = (value as { t?: unknown }).t;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) return `unknown event type ${JSON.stringify(type)?.slice(0, 40) ?? 'undefined'}`;
  const result = SCHEMAS[type as StoreEvent['t']].safeParse(value);
  return result.success ? undefined : `${type} event: ${describeIssue(result.error.issues[0])}`;
}

export type ParsedLine = { event: LoggedEvent } | { problem: string };

/** Parses one log line; a line that is not a valid event gives the reason instead. */
export function parseEventLine(line: string): ParsedLine {
  if (line.length > MAX_LINE_BYTES) return { problem: `line of ${line.length} characters is longer than ${MAX_LINE_BYTES}` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: 'not valid JSON' };
  }
  const problem = eventProblem(value);
  if (problem) return { problem };
  const event = value as LoggedEvent;
  event.s ??= 0;
  return { event };
}

/** An event a caller tried to commit breaks the schema; nothing was written. */
export class InvalidEventError extends Error {}

/** Throws InvalidEventError naming the first problem, so that nothing invalid is ever written. */
export function checkEvents(events: readonly StoreEvent[]): void {
  for (const event of events) {
    const problem = eventProblem(event);
    if (problem) throw new InvalidEventError(`refused to record an invalid event: ${problem}`);
  }
}
