/**
 * The input of `session-buddy evaluate`: one run per line of a JSON-lines file,
 * `{"user", "skill", "at", "completed"?, "duration_seconds"?, "session"?}`, put in the order the runs
 * happened (ties keep their file order), each numbered within its user's own sequence, and given a
 * session when it has none (a new one after 30 idle minutes, as the editor's own sessions).
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { MAX_DURATION_SECONDS } from '../limits';
import { isSkillName, LIMITS } from '../validation';

/** A pause this long starts a new session, when the input names none. */
export const SESSION_IDLE_MS = 30 * 60_000;

export interface EvaluationRun {
  user: string;
  skill: string;
  atMs: number;
  completed?: boolean;
  durationSeconds?: number;
  session: string;
  /** 0-based position in the user's own sequence. */
  index: number;
  /** 1-based line of the input file. */
  line: number;
}

/** A line that is not a run: the file and line, and what is wrong. */
export class EvaluationInputError extends Error {}

export async function readEvaluationRuns(file: string): Promise<EvaluationRun[]> {
  let stream: fs.ReadStream;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    stream = fs.createReadStream(file, { encoding: 'utf8' });
  } catch (err) {
    throw new EvaluationInputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const runs: UnplacedRun[] = [];
  let line = 0;
  for await (const text of readline.createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    const parsed = parseRun(text, `${file}:${line}`);
    runs.push({ ...parsed.run, line, session: parsed.session });
  }
  if (runs.length === 0) throw new EvaluationInputError(`${file} holds no runs`);
  return orderAndNumber(runs);
}

/** A run without its place yet: where it came from, and its session when one is named. */
export type UnplacedRun = Omit<EvaluationRun, 'index' | 'session'> & { session?: string };

interface ParsedRun {
  run: Omit<EvaluationRun, 'index' | 'session' | 'line'>;
  session?: string;
}

function parseRun(text: string, where: string): ParsedRun {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EvaluationInputError(`${where}: not a JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EvaluationInputError(`${where}: not a JSON object`);
  const record = value as Record<string, unknown>;
  const fail = (field: string, expected: string) => new EvaluationInputError(`${where}: "${field}" must be ${expected}`);
  if (!isSkillName(record.user)) throw fail('user', `a non-empty string of at most ${LIMITS.name} characters`);
  if (!isSkillName(record.skill)) throw fail('skill', `a non-empty string of at most ${LIMITS.name} characters`);
  const atMs = typeof record.at === 'number' ? record.at : typeof record.at === 'string' ? Date.parse(record.at) : Number.NaN;
  if (!Number.isFinite(atMs)) throw fail('at', 'an ISO-8601 time or epoch milliseconds');
  if (record.completed !== undefined && typeof record.completed !== 'boolean') throw fail('completed', 'true or false');
  const duration = record.duration_seconds;
  if (duration !== undefined && (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0 || duration > MAX_DURATION_SECONDS)) {
    throw fail('duration_seconds', `a number of seconds from 0 to ${MAX_DURATION_SECONDS}`);
  }
  if (record.session !== undefined && !isSkillName(record.session)) throw fail('session', `a non-empty string of at most ${LIMITS.name} characters`);
  return {
    run: { user: record.user.trim(), skill: record.skill.trim(), atMs, completed: record.completed, durationSeconds: duration },
    session: typeof record.session === 'string' ? record.session.trim() : undefined,
  };
}

/** Time order (a stable sort keeps ties in the order given), each user's runs numbered, sessions given. */
export function orderAndNumber(runs: readonly UnplacedRun[]): EvaluationRun[] {
  const order = runs.map((_, i) => i).sort((a, b) => runs[a].atMs - runs[b].atMs || a - b);
  const perUser = new Map<string, { count: number; lastMs: number; session: string }>();
  return order.map((i) => {
    const run = runs[i];
    const user = perUser.get(run.user);
    const index = user?.count ?? 0;
    const session = run.session ?? (user && run.atMs - user.lastMs < SESSION_IDLE_MS ? user.session : `${run.user}#${index}`);
    perUser.set(run.user, { count: index + 1, lastMs: run.atMs, session });
    return { ...run, index, session };
  });
}
