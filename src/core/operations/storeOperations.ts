/**
 * The CLI's commands on the store, each a named operation with plain-data arguments and answer. A
 * command beside a running store host has the host run it on the store it holds (the `operation`
 * request), so that it does not load a copy of the store; without one it runs the same operation on
 * the store it opens. One definition serves both, so an answer does not depend on which process
 * gave it, and the arguments are checked here, where they may arrive from another process.
 */
import { analyzeAbTest, assignUser, completeDueAbTests, createAbTest, findAbTest, listAbTests, recordAbOutcome, stopAbTest } from '../analytics/abTesting';
import type { AnalyticsJobRunner } from '../analytics/analyticsJobRunner';
import { detectAnomalies } from '../analytics/anomalies';
import { getCommunityBaselines, updateCommunityBaselines } from '../analytics/baselines';
import { recommendFromSimilarUsers } from '../analytics/collaborative';
import { getSkillDependencies, updateSkillDependencies } from '../analytics/dependencies';
import { predictSkillSuccess, trainPredictor } from '../analytics/predictor';
import { exportProfile, importProfiles } from '../analytics/profiles';
import { getRealTimeMetrics } from '../analytics/realtimeMetrics';
import { applyRetention } from '../analytics/retention';
import { getSkillChanges, SKILL_CHANGE_METRICS, skillChangeReport } from '../analytics/skillChanges';
import { initializeTaxonomy } from '../analytics/taxonomy';
import { backfillTimeSeries } from '../analytics/timeSeries';
import { TREND_METRICS, getSkillTrend } from '../analytics/trend';
import { isKnownSkill, unknownSkill } from './reads';
import { STORED_RUNS_PAGE, storedRunsPage, type StoredRunsCursor } from '../evaluation/storedRuns';
import { pipelineReport } from '../integrations/cicd';
import { deleteAllData } from '../maintenance/deleteAllData';
import { schemaStatus } from '../maintenance/storeStatus';
import { STRATEGY_NAMES } from '../recommend/strategy';
import { MigrationManager } from '../store/migrations';
import { all } from '../store/statements';
import type { Store, StoreMode } from '../store/storeInterface';
import { LIMITS, optionalText, ValidationError } from '../validation';
import { OperationArgs } from './operationArgs';

export interface OperationTarget {
  store: Store;
  /** Where the long jobs run (the store host's job process); without it they run in this process. */
  jobs?: AnalyticsJobRunner;
  /** Hears a long operation's progress (the CLI prints it; the host's answer comes at the end). */
  onProgress?: (progress: OperationProgress) => void;
}

/** How far a long operation is: steps done of all (in its stage, when it has several). */
export interface OperationProgress {
  stage?: string;
  done: number;
  total: number;
}

interface Operation<A, R> {
  /** How a process without the host opens the store for it. */
  mode: StoreMode;
  args(given: OperationArgs): A;
  run(target: OperationTarget, args: A): R | Promise<R>;
}

function operation<A, R>(definition: Operation<A, R>): Operation<A, R> {
  return definition;
}

const MAX_ROWS = 100_000;
const MAX_DAYS = 36_500;
const MAX_HOURS = 24 * MAX_DAYS;
const MAX_THRESHOLD = 1000;
const MAX_LIFT = 1e9;
const MAX_PROFILE_PATHS = 1000;

function knownSkill(store: Store, skill: string): string {
  if (!isKnownSkill(store.db, skill)) throw unknownSkill(skill);
  return skill;
}

/** An A/B test by name or id, after completing the tests whose end has come (as every A/B command does). */
async function dueTest(store: Store, reference: string): Promise<number> {
  await completeDueAbTests(store);
  return findAbTest(store, reference).test_id;
}

/** A page's cursor as sent back by a client: undefined for the first page. */
function cursorOf(value: unknown): StoredRunsCursor | undefined {
  if (value === undefined) return undefined;
  const cursor = OperationArgs.of(value);
  return { at: optionalText('after.at', cursor.raw('at'), LIMITS.phase) ?? '', id: cursor.integer('id', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) };
}

function abTestRows(store: Store): Record<string, unknown>[] {
  const summary = all<Record<string, unknown>>(store.db, 'SELECT * FROM v_ab_test_summary');
  const byId = new Map(summary.map((r) => [Number(r.test_id), r]));
  return listAbTests(store).map((t) => ({ ...byId.get(t.test_id), start_date: t.start_date, end_date: t.end_date, assignment_ratio: t.assignment_ratio, min_sample_size: t.min_sample_size }));
}

export const STORE_OPERATIONS = {
  realtime: operation({
    mode: 'read',
    args: (a) => ({ limit: a.integer('limit', 1, MAX_ROWS), windowHours: a.number('windowHours', 0, MAX_HOURS) }),
    run: ({ store }, o) => getRealTimeMetrics(store, o),
  }),
  anomalies: operation({
    mode: 'work',
    args: (a) => {
      const o = { threshold: a.number('threshold', 0, MAX_THRESHOLD), windowHours: a.number('windowHours', 0, MAX_HOURS), recentHours: a.number('recentHours', 0, MAX_HOURS) };
      if (o.recentHours >= o.windowHours) throw new ValidationError('recentHours', 'must be less than windowHours');
      return o;
    },
    run: ({ store }, o) => detectAnomalies(store, o),
  }),
  trend: operation({
    mode: 'read',
    args: (a) => ({ skill: a.name('skill'), days: a.integer('days', 1, MAX_DAYS), metric: a.choice('metric', TREND_METRICS) }),
    run: ({ store }, o) => getSkillTrend(store, knownSkill(store, o.skill), { days: o.days, metric: o.metric }),
  }),
  backfill: operation({
    mode: 'work',
    args: (a) => ({ days: a.integer('days', 1, MAX_DAYS) }),
    run: ({ store, jobs, onProgress }, o) => backfillTimeSeries(store, { days: o.days, jobs, onProgress: onProgress && ((done, total) => onProgress({ done, total })) }),
  }),
  retention: operation({
    mode: 'work',
    args: (a) => ({ days: a.integer('days', 1, MAX_DAYS) }),
    run: ({ store }, o) => applyRetention(store, { retentionDays: o.days }),
  }),
  updateDependencies: operation({
    mode: 'work',
    args: (a) => ({ minCoOccurrence: a.integer('minCoOccurrence', 1, MAX_ROWS) }),
    run: async ({ store, jobs }, o) => (jobs ? (await jobs.run(store, { kind: 'dependencies', minCoOccurrence: o.minCoOccurrence })).summary : updateSkillDependencies(store, o)),
  }),
  dependencies: operation({
    mode: 'read',
    args: (a) => ({ skill: a.name('skill'), limit: a.integer('limit', 1, MAX_ROWS), minLift: a.between('minLift', 0, MAX_LIFT) }),
    run: ({ store }, o) => getSkillDependencies(store, knownSkill(store, o.skill), { limit: o.limit, minLift: o.minLift }),
  }),
  updateBaselines: operation({
    mode: 'work',
    args: () => ({}),
    run: async ({ store, jobs }) => (jobs ? (await jobs.run(store, { kind: 'baselines' })).summary : updateCommunityBaselines(store)),
  }),
  baselines: operation({
    mode: 'work',
    args: (a) => ({ limit: a.integer('limit', 1, MAX_ROWS) }),
    run: ({ store }, o) => getCommunityBaselines(store, o),
  }),
  similar: operation({
    mode: 'work',
    args: (a) => ({ userId: a.name('userId'), limit: a.integer('limit', 1, MAX_ROWS) }),
    run: ({ store }, o) => recommendFromSimilarUsers(store, o.userId, { limit: o.limit }),
  }),
  taxonomy: operation({
    mode: 'work',
    args: () => ({}),
    run: ({ store }) => initializeTaxonomy(store),
  }),
  exportProfile: operation({
    mode: 'work',
    args: (a) => ({ userId: a.name('userId') }),
    run: ({ store }, o) => exportProfile(store, o.userId),
  }),
  importProfiles: operation({
    mode: 'work',
    args: (a) => ({ paths: a.absolutePaths('paths', MAX_PROFILE_PATHS) }),
    run: ({ store }, o) => importProfiles(store, o.paths),
  }),
  abCreate: operation({
    mode: 'work',
    args: (a) => ({
      test_name: a.name('name'),
      control_strategy: a.choice('control', STRATEGY_NAMES),
      treatment_strategy: a.choice('treatment', STRATEGY_NAMES),
      assignment_ratio: a.number('ratio', 0, 1),
      min_sample_size: a.integer('minSample', 1, Number.MAX_SAFE_INTEGER),
      start_date: optionalText('start', a.raw('start'), LIMITS.phase) ?? undefined,
      end_date: optionalText('end', a.raw('end'), LIMITS.phase) ?? undefined,
      description: optionalText('description', a.raw('description'), LIMITS.text),
    }),
    run: ({ store }, config) => createAbTest(store, config),
  }),
  abAssign: operation({
    mode: 'work',
    args: (a) => ({ test: a.name('test'), userId: a.name('userId') }),
    run: async ({ store }, o) => assignUser(store, await dueTest(store, o.test), o.userId),
  }),
  abRecord: operation({
    mode: 'work',
    args: (a) => ({
      test: a.name('test'),
      userId: a.name('userId'),
      outcome: { skill_name: a.name('skill'), completed: a.flag('completed'), duration_seconds: a.optionalNumber('duration', 0, Number.MAX_VALUE), user_rating: a.optionalNumber('rating', 1, 5) },
    }),
    run: async ({ store }, o) => recordAbOutcome(store, await dueTest(store, o.test), o.userId, o.outcome),
  }),
  abAnalyze: operation({
    mode: 'work',
    args: (a) => ({ test: a.name('test') }),
    run: async ({ store }, o) => analyzeAbTest(store, await dueTest(store, o.test)),
  }),
  abStop: operation({
    mode: 'work',
    args: (a) => ({ test: a.name('test') }),
    run: ({ store }, o) => stopAbTest(store, findAbTest(store, o.test).test_id),
  }),
  abList: operation({
    mode: 'work',
    args: () => ({}),
    run: async ({ store }) => {
      await completeDueAbTests(store);
      return abTestRows(store);
    },
  }),
  train: operation({
    mode: 'work',
    args: (a) => ({ days: a.integer('days', 1, 3650) }),
    run: async ({ store, jobs, onProgress }, o) => (jobs ? (await jobs.run(store, { kind: 'predictor', days: o.days })).summary : trainPredictor(store, { days: o.days, onProgress })),
  }),
  predict: operation({
    mode: 'read',
    args: (a) => ({ skill: a.name('skill'), phase: a.optionalName('phase'), sessionId: a.optionalName('session') }),
    run: ({ store }, o) => predictSkillSuccess(store, knownSkill(store, o.skill), { phase: o.phase, sessionId: o.sessionId }),
  }),
  changes: operation({
    mode: 'work',
    args: (a) => ({ skill: a.optionalName('skill')?.trim(), metric: a.optionalChoice('metric', SKILL_CHANGE_METRICS), days: a.integer('days', 1, MAX_DAYS) }),
    run: async ({ store, jobs }, o) => {
      if (o.skill !== undefined) knownSkill(store, o.skill);
      if (!jobs) return skillChangeReport(store, { ...o, write: true });
      // A refit of a long history takes seconds: in the job process, whose rows are then read here.
      await jobs.run(store, { kind: 'changes' });
      return getSkillChanges(store, o);
    },
  }),
  pipelineReport: operation({
    mode: 'work',
    args: (a) => ({ pipeline: a.name('pipeline'), days: a.integer('days', 1, 3650) }),
    run: ({ store }, o) => pipelineReport(store, o.pipeline, { days: o.days }),
  }),
  storedRuns: operation({
    mode: 'read',
    args: (a) => ({ after: cursorOf(a.raw('after')), limit: a.integer('limit', 1, STORED_RUNS_PAGE), firstLine: a.integer('firstLine', 1, Number.MAX_SAFE_INTEGER) }),
    run: ({ store }, o) => storedRunsPage(store, o.after, o.limit, o.firstLine),
  }),
  schemaStatus: operation({
    mode: 'inspect',
    args: () => ({}),
    run: ({ store }) => schemaStatus(store),
  }),
  validateMigrations: operation({
    mode: 'inspect',
    args: () => ({}),
    run: ({ store }) => new MigrationManager(store.db).validate(),
  }),
  deleteAllData: operation({
    mode: 'work',
    args: () => ({}),
    run: ({ store }) => deleteAllData(store),
  }),
};

export type OperationName = keyof typeof STORE_OPERATIONS;
export type OperationResult<N extends OperationName> = Awaited<ReturnType<(typeof STORE_OPERATIONS)[N]['run']>>;

/** The operation named, as another process asked for it; a name it does not know is a ValidationError. */
export function storeOperation(name: unknown): Operation<unknown, unknown> & { name: OperationName } {
  if (typeof name !== 'string' || !Object.hasOwn(STORE_OPERATIONS, name)) throw new ValidationError('name', `must be one of ${Object.keys(STORE_OPERATIONS).join(', ')}`);
  return { ...(STORE_OPERATIONS[name as OperationName] as Operation<unknown, unknown>), name: name as OperationName };
}

/** Checks the arguments, then runs the operation on the target's store. */
export async function performOperation<N extends OperationName>(target: OperationTarget, name: N, args: unknown): Promise<OperationResult<N>> {
  const found = storeOperation(name);
  return (await found.run(target, found.args(OperationArgs.of(args)))) as OperationResult<N>;
}
