import type { Alert } from '../dashboard/alertMemory';
import type { TodaySummary } from '../dashboard/today';
import type { ListQuery, RecommendationList } from '../recommend/recommendationList';
import type { Recommendation } from '../recommend/types';
import type { DashboardAnswer } from '../window/windowData';
import { dailySessionId } from '../integrations/sessions';
import { QueryTimeoutError, runQueryInWorker } from '../store/queryRunner';
import { isCanonical } from '../time';
import { ValidationError } from '../validation';
import type { ToolResult } from '../tools/tool';
import { storeSessions } from '../tracking/sessionLookup';
import { MAX_STEPS_PER_REQUEST, type ChangesAnswer, type HostErrorKind, type HostRequest, type RecordingContext } from './protocol';
import { NotFoundError, readMetrics, readSkillCounts, type MetricsAnswer } from '../operations/reads';
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
/** Longest a `changes` request waits: a client asks again, so a dead one holds nothing for long. */
export const MAX_CHANGES_WAIT_MS = 60_000;
const MAX_FAILURES = 20;
const MAX_SKILL_COUNTS = 1000;
const MAX_LANGUAGE_LENGTH = 64;

/** The caller asked wrongly (a usage error: exit 2 in the CLI). */
export function usage(message: string): HostRequestError {
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

export function integerIn(params: Record<string, unknown>, key: string, min: number, max: number): number {
  const value = params[key];
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw usage(`${key} must be an integer from ${min} to ${max}`);
  return value as number;
}

function optionalBoolean(params: Record<string, unknown>, key: string): boolean | undefined {
  const value = params[key];
  if (value !== undefined && typeof value !== 'boolean') throw usage(`${key} must be true or false`);
  return value as boolean | undefined;
}

export function requiredBoolean(params: Record<string, unknown>, key: string): boolean {
  const value = optionalBoolean(params, key);
  if (value === undefined) throw usage(`${key} must be true or false`);
  return value;
}

function optionalInteger(params: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  return params[key] === undefined ? undefined : integerIn(params, key, min, max);
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
    case 'recommendations':
      return recommendations(opened, request.params);
    case 'ranked':
      return ranked(opened, request.params);
    case 'dashboard':
      return dashboard(opened, request.params);
    case 'skills':
      opened.store.pullEvents();
      return readSkillCounts(opened.store, integerIn(request.params, 'limit', 1, MAX_SKILL_COUNTS));
    case 'alerts':
      return alerts(opened);
    case 'changes':
      return changes(opened, request.params, gone);
    case 'abOutcome':
      return abOutcome(opened, request.params);
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

/** The window's situation, as the sidebar asks for its list: see RecommendationContext. */
function listQuery(params: Record<string, unknown>): ListQuery {
  const failures = params.recentFailures;
  if (failures !== undefined && (!Array.isArray(failures) || failures.length > MAX_FAILURES || !failures.every((f) => typeof f === 'string' && f.trim() !== '' && f.length <= MAX_NAME_LENGTH))) {
    throw usage(`recentFailures must be a list of at most ${MAX_FAILURES} skill names`);
  }
  const languageId = params.languageId;
  if (languageId !== undefined && (typeof languageId !== 'string' || !languageId || languageId.length > MAX_LANGUAGE_LENGTH)) throw usage(`languageId must be a string of 1 to ${MAX_LANGUAGE_LENGTH} characters`);
  return {
    userId: requiredName(params, 'userId'),
    lastSkill: optionalName(params, 'lastSkill'),
    languageId: languageId as string | undefined,
    isTestFile: optionalBoolean(params, 'isTestFile'),
    recentFailures: failures as string[] | undefined,
    limit: optionalInteger(params, 'limit', 1, 100),
    sessionId: optionalName(params, 'sessionId'),
  };
}

/** Up next, Discover and More for a window's user and situation, as a window holding the store lists them. */
async function recommendations(opened: OpenedStore, params: Record<string, unknown>): Promise<RecommendationList> {
  const query = listQuery(params);
  // Loaded with the first list, as the tools are: a host started for track never reads the models.
  const [{ getRecommendationList }, { learnedFor }] = await Promise.all([import('../recommend/recommendationList'), import('../recommend/learnedRecommendations')]);
  opened.store.pullEvents();
  learnedFor(opened.store, query.userId);
  return getRecommendationList(opened.store, query);
}

/** The candidates of every source ranked by the user's A/B strategy: the extension API's getRecommendations. */
async function ranked(opened: OpenedStore, params: Record<string, unknown>): Promise<Recommendation[]> {
  const query = listQuery(params);
  const { getRecommendations } = await import('../recommend/engine');
  opened.store.pullEvents();
  return getRecommendations(opened.store, query);
}

const PROJECT_HASH = /^[0-9a-f]{32}$/;
const MAX_DASHBOARD_DAYS = 366;

function oneOf<T extends string>(params: Record<string, unknown>, key: string, values: readonly T[]): T {
  const value = params[key];
  if (!values.includes(value as T)) throw usage(`${key} must be one of ${values.join(', ')}`);
  return value as T;
}

/** The dashboard of a window: its range and calendar, its trend chart's skill, its workspace (as the hash the window computed). */
async function dashboard(opened: OpenedStore, params: Record<string, unknown>): Promise<DashboardAnswer> {
  const userId = requiredName(params, 'userId');
  const projectHash = params.projectHash;
  if (projectHash !== undefined && (typeof projectHash !== 'string' || !PROJECT_HASH.test(projectHash))) throw usage('projectHash must be 32 hexadecimal digits');
  const options = {
    days: integerIn(params, 'days', 1, MAX_DASHBOARD_DAYS),
    boundary: oneOf(params, 'boundary', ['local', 'utc'] as const),
    workspace: oneOf(params, 'workspace', ['all', 'workspace'] as const),
    trendSkill: optionalName(params, 'trendSkill'),
    projectHash: projectHash as string | undefined,
  };
  const [{ getDashboardData }, { learnedFor }] = await Promise.all([import('../dashboard/dashboardData'), import('../recommend/learnedRecommendations')]);
  opened.store.pullEvents();
  return { data: getDashboardData(opened.store, options), accuracy: learnedFor(opened.store, userId).accuracy() };
}

/** Every open alert (anomalies, regressions), newest first: each window decides which it has shown. */
async function alerts(opened: OpenedStore): Promise<Alert[]> {
  const { openAlerts } = await import('../dashboard/alerts');
  opened.store.pullEvents();
  return openAlerts(opened.store);
}

/** Waits (at most `waitMs`) for the store to change past the version the client last saw. */
async function changes(opened: OpenedStore, params: Record<string, unknown>, gone: Promise<void>): Promise<ChangesAnswer> {
  const since = optionalName(params, 'since');
  const waitMs = integerIn(params, 'waitMs', 0, MAX_CHANGES_WAIT_MS);
  opened.store.pullEvents();
  const version = await opened.changes.next(since, waitMs, gone);
  const { hasRecordedRuns, isDemoStore } = await import('../dashboard/dashboardData');
  return { version, purgedAt: opened.changes.purgedAt, ...opened.changes.flagsOf(() => ({ hasRuns: hasRecordedRuns(opened.store), demo: isDemoStore(opened.store) })) };
}

/**
 * The outcome of a run chosen from the list under an A/B test, for the window that ran it: an
 * outcome is derived data of the store (as the jobs' results are), so the host writes it.
 */
async function abOutcome(opened: OpenedStore, params: Record<string, unknown>): Promise<{ id: number }> {
  const testId = integerIn(params, 'testId', 1, Number.MAX_SAFE_INTEGER);
  const userId = requiredName(params, 'userId');
  const completed = optionalBoolean(params, 'completed');
  if (completed === undefined) throw usage('completed is required');
  const outcome = { skill_name: requiredName(params, 'skill'), completed, duration_seconds: params.durationSeconds as number | null | undefined };
  if (opened.store.readOnlyReason) throw new HostRequestError(opened.store.readOnlyReason, 'failed');
  const { assignUser, recordAbOutcome } = await import('../analytics/abTesting');
  opened.store.pullEvents();
  try {
    // The user's exposure is recorded with their first outcome: reading recommendations writes nothing.
    await assignUser(opened.store, testId, userId);
    return { id: await recordAbOutcome(opened.store, testId, userId, outcome) };
  } catch (err) {
    if (err instanceof ValidationError) throw usage(err.message);
    throw err;
  }
}
