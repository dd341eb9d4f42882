import type { TodaySummary } from '../dashboard/today';
import { dailySessionId } from '../integrations/sessions';
import { QueryTimeoutError, runQueryInWorker } from '../store/queryRunner';
import { isCanonical } from '../time';
import type { ToolResult } from '../tools/tool';
import { storeSessions } from '../tracking/sessionLookup';
import { MAX_STEPS_PER_REQUEST, type HostErrorKind, type HostRequest, type RecordingContext } from './protocol';
import { NotFoundError, readMetrics, type MetricsAnswer } from './reads';
import type { OpenedStore } from './storeHost';

/** A request the host answers with an error: `usage` when the caller asked wrongly, `failed` when it could not be done. */
export class HostRequestError extends Error {
  constructor(message: string, readonly kind: HostErrorKind) {
    super(message);
  }
}

/** Longest a `sql` request may ask to run: the host serves others meanwhile, but a worker is held. */
export const MAX_QUERY_MS = 60 * 60_000;
const MAX_NAME_LENGTH = 200;
const MAX_DAY_MS = 25 * 3_600_000;
const MAX_LIMIT = 100_000;

function usage(message: string): HostRequestError {
  return new HostRequestError(message, 'usage');
}

function optionalName(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !value.trim() || value.length > MAX_NAME_LENGTH) throw usage(`${key} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  return value;
}

function requiredName(params: Record<string, unknown>, key: string): string {
  const value = optionalName(params, key);
  if (value === undefined) throw usage(`${key} is required`);
  return value;
}

function integerIn(params: Record<string, unknown>, key: string, min: number, max: number): number {
  const value = params[key];
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw usage(`${key} must be an integer from ${min} to ${max}`);
  return value as number;
}

/** Answers one request on the host's store. `gone` resolves when the client disconnects (its query is then stopped). */
export async function handleRequest(opened: OpenedStore, request: HostRequest, gone: Promise<void>): Promise<unknown> {
  switch (request.method) {
    case 'ping':
      return { pid: process.pid };
    case 'metrics':
      return metrics(opened, request.params);
    case 'today':
      return today(opened, request.params);
    case 'tool':
      return tool(opened, request.params);
    case 'sql':
      return sql(opened, request.params, gone);
    case 'session':
      return session(opened, request.params);
    case 'recordedSteps':
      return steps(opened, request.params);
    default:
      throw usage(`${request.method} is not answered here`);
  }
}

function metrics(opened: OpenedStore, params: Record<string, unknown>): MetricsAnswer {
  const query = { skill: optionalName(params, 'skill'), limit: integerIn(params, 'limit', 1, MAX_LIMIT) };
  opened.store.pullEvents();
  try {
    return readMetrics(opened.store, query);
  } catch (err) {
    if (err instanceof NotFoundError) throw new HostRequestError(err.message, 'failed');
    throw err;
  }
}

function timestamp(params: Record<string, unknown>, key: string): string {
  const value = params[key];
  if (typeof value !== 'string' || !isCanonical(value)) throw usage(`${key} must be a UTC timestamp such as 2026-12-05T00:00:00.000Z`);
  return value;
}

/** The status bar's summary of the caller's day, given as its range (the caller's time zone and day setting, not the host's). */
async function today(opened: OpenedStore, params: Record<string, unknown>): Promise<TodaySummary> {
  const day = { start: timestamp(params, 'start'), end: timestamp(params, 'end') };
  if (day.start >= day.end) throw usage('start must be before end');
  // A calendar day is 23 to 25 hours long: a wider range is not a day, and would hold the host up scanning.
  if (Date.parse(day.end) - Date.parse(day.start) > MAX_DAY_MS) throw usage('start to end must be a day (at most 25 hours)');
  // Loaded with the first call, as the tools are: a host started for track never reads the analytics.
  const { summaryOfDay } = await import('../dashboard/today');
  opened.store.pullEvents();
  return summaryOfDay(opened.store, day);
}

/** What a process that records without the store needs before it records: see RecordingContext. */
function session(opened: OpenedStore, params: Record<string, unknown>): RecordingContext {
  const id = optionalName(params, 'id');
  opened.store.pullEvents();
  const sessions = storeSessions(opened.store);
  return {
    session: id === undefined ? null : (sessions.session(id) ?? null),
    hasRuns: id === undefined ? false : sessions.hasRuns(id),
    latestStamp: opened.store.latestStamp,
    readOnlyReason: opened.store.readOnlyReason ?? null,
  };
}

/** Which of the steps already have a run in the session, for a process about to record them (an import run again records none twice). */
async function steps(opened: OpenedStore, params: Record<string, unknown>): Promise<string[]> {
  const sessionId = requiredName(params, 'sessionId');
  const stepIds = params.stepIds;
  if (!Array.isArray(stepIds) || stepIds.length > MAX_STEPS_PER_REQUEST || !stepIds.every((s) => typeof s === 'string' && s.length > 0 && s.length <= MAX_NAME_LENGTH)) {
    throw usage(`stepIds must be a list of at most ${MAX_STEPS_PER_REQUEST} non-empty strings of at most ${MAX_NAME_LENGTH} characters`);
  }
  // Loaded with the first import, as the tools are: a host started for track never reads the JUnit code.
  const { recordedSteps } = await import('../integrations/junitImport');
  opened.store.pullEvents();
  return recordedSteps(opened.store.db, sessionId, stepIds as string[]);
}

/**
 * A read-only or derived-rows tool, for the CLI's session of the day. Tools that record runs are
 * refused: a run is recorded by the process that saw it, in its own log segment, so that a host
 * that is down or restarting never loses one.
 */
async function tool(opened: OpenedStore, params: Record<string, unknown>): Promise<ToolResult> {
  const name = requiredName(params, 'name');
  const userId = requiredName(params, 'userId');
  // The tools (their schemas, the analytics behind them) load with the first tool call: a host started for track or metrics never reads them.
  const [{ findTool, runTool, UnknownToolError }, { ToolArgumentError }, { ToolSession, toolContext }] = await Promise.all([
    import('../tools/agentTools'), import('../tools/schema'), import('../tools/toolSession'),
  ]);
  try {
    if (findTool(name).writes === 'runs') throw usage(`${name} records runs: it is run by the caller, not by the store host`);
    const session = new ToolSession(opened.store, userId, { source: 'cli', sessionId: dailySessionId('cli') });
    return await runTool(toolContext(opened.store, userId, session), name, params.args ?? {});
  } catch (err) {
    if (err instanceof UnknownToolError || err instanceof ToolArgumentError) throw usage(err.message);
    throw err;
  }
}

/**
 * One read-only statement, in a worker thread so that a long query neither blocks the other
 * clients nor outlives its time limit or its client. With node:sqlite the worker reads the file
 * (this host has just applied the log to it); on sql.js it opens the store for inspection.
 */
async function sql(opened: OpenedStore, params: Record<string, unknown>, gone: Promise<void>): Promise<Record<string, unknown>[]> {
  const query = params.query;
  if (typeof query !== 'string' || !query.trim()) throw usage('query must be a non-empty string');
  const timeoutMs = integerIn(params, 'timeoutMs', 1, MAX_QUERY_MS);
  opened.store.pullEvents();
  const job = { path: opened.store.paths.db, sql: query, ...(opened.engine === 'node:sqlite' ? { engine: 'file' as const } : {}) };
  try {
    const result = await runQueryInWorker(job, { timeoutMs, abort: gone });
    if ('error' in result) throw new HostRequestError(result.error, 'failed');
    return result.rows;
  } catch (err) {
    if (err instanceof QueryTimeoutError) throw new HostRequestError(err.message, 'failed');
    throw err;
  }
}
