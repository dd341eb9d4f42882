import { analyzeAbTest, createAbTest, listAbTests, stopAbTest, type AbAnalysis, type AbTest } from '../analytics/abTesting';
import type { AnalyticsJobRunner } from '../analytics/analyticsJobRunner';
import { detectAnomalies, type Anomaly } from '../analytics/anomalies';
import { PredictorRefusal, type TrainResult } from '../analytics/predictor';
import { exportProfile, importProfiles, type TeamProfile } from '../analytics/profiles';
import { initializeTaxonomy, type TaxonomyResult } from '../analytics/taxonomy';
import { backfillTimeSeries, type BackfillResult } from '../analytics/timeSeries';
import { deleteAllData, type DeleteAllDataResult } from '../maintenance/deleteAllData';
import { getStoreStatus, type StoreStatus } from '../maintenance/storeStatus';
import { STRATEGY_BY_GROUP } from '../recommend/strategy';
import { leaveTeam, teamStatus, type TeamStatus } from '../team/admin';
import { parseTeamServer, type TeamServer } from '../team/connection';
import { pullFromTeam } from '../team/pull';
import { pushToTeam, type PushResult } from '../team/push';
import type { SharedTeamSyncs } from '../team/sharedTeamSyncs';
import { leaveTeamDeletingRows, MAX_PREVIEW_ROWS, previewShared, syncWithTeam, unpushedRuns, type SharedPreview, type TeamServerArgs, type TeamSyncAnswer } from '../team/editorSync';
import type { Store } from '../store/storeInterface';
import { OperationArgs } from '../operations/operationArgs';
import { ValidationError } from '../validation';

/** Training refused for too little data is an answer (the palette says so), not a failure. */
export type TrainAnswer = { trained: TrainResult } | { refused: string };

export interface DependenciesAnswer {
  dependencies: number;
  sessions: number;
  baselines: number;
}

export interface AbTestRequest {
  name: string;
  /** Share of users in the control group, 0.01..0.99. */
  ratio: number;
  /** Users needed in each group before a winner is declared. */
  minSample: number;
}

/**
 * The palette's commands on the whole store and the window's team sync, each as its arguments and
 * its answer (plain data: a hosted window gets them over the store host's socket). The window that holds the store runs
 * them itself; a hosted window asks the host, so that it never loads the store for them.
 */
export interface StoreCommandSignatures {
  status: [Record<string, never>, StoreStatus];
  detectAnomalies: [Record<string, never>, Anomaly[]];
  backfillTimeSeries: [{ days: number }, BackfillResult];
  trainPredictor: [Record<string, never>, TrainAnswer];
  createAbTest: [AbTestRequest, AbTest];
  listAbTests: [Record<string, never>, AbTest[]];
  analyzeAbTest: [{ testId: number }, AbAnalysis];
  stopAbTest: [{ testId: number }, AbTest];
  initializeTaxonomy: [Record<string, never>, TaxonomyResult];
  updateDependencies: [Record<string, never>, DependenciesAnswer];
  exportProfile: [{ userId: string }, TeamProfile];
  importProfiles: [{ files: string[] }, { imported: number; skipped: number }];
  deleteAllData: [Record<string, never>, DeleteAllDataResult];
  teamSync: [TeamServerArgs & { sharedWithinMs?: number }, TeamSyncAnswer];
  teamUnpushed: [{ url: string }, number];
  teamPreview: [TeamServerArgs & { limit: number }, SharedPreview];
  teamLeave: [TeamServerArgs, number];
  /** The CLI's `team push`, `pull`, `status` and `leave`, with the URL and password its environment gives (explicitServer.ts). */
  teamPush: [TeamServerArgs, PushResult];
  teamPull: [TeamServerArgs, TeamPullCounts];
  teamStatus: [TeamServerArgs, TeamStatus];
  teamQuit: [TeamServerArgs & { deleteRows: boolean }, TeamQuitAnswer];
}

/** What a pull cached, counted (the rows stay in the store). */
export interface TeamPullCounts {
  baselines: number;
  similar_members: number;
  dependencies: number;
}

export interface TeamQuitAnswer {
  team_id: string;
  deleted_server_rows: number;
}

export type StoreCommandName = keyof StoreCommandSignatures;
export type StoreCommandArgs<N extends StoreCommandName> = StoreCommandSignatures[N][0];
export type StoreCommandResult<N extends StoreCommandName> = StoreCommandSignatures[N][1];

/** A command with its checked arguments. */
export type StoreCommand = { [N in StoreCommandName]: { name: N; args: StoreCommandArgs<N> } }[StoreCommandName];

/** What the commands run on: the store, and where the long jobs run (a worker, or the host's job process). */
export interface StoreCommandTarget {
  store: Store;
  jobs: AnalyticsJobRunner;
  /** The store host's: its windows' team syncs shared (a window holding the store syncs alone). */
  teamSyncs?: SharedTeamSyncs;
}

const NAMES: readonly StoreCommandName[] = [
  'status', 'detectAnomalies', 'backfillTimeSeries', 'trainPredictor', 'createAbTest', 'listAbTests', 'analyzeAbTest',
  'stopAbTest', 'initializeTaxonomy', 'updateDependencies', 'exportProfile', 'importProfiles', 'deleteAllData',
  'teamSync', 'teamUnpushed', 'teamPreview', 'teamLeave', 'teamPush', 'teamPull', 'teamStatus', 'teamQuit',
];
const MAX_BACKFILL_DAYS = 3650;
const MAX_PROFILE_FILES = 1000;
const MAX_SAMPLE = 1_000_000;
const MAX_URL = 2048;
const MAX_PASSWORD = 1024;
/** A team sync may be shared with one started up to a day before (a window's interval is minutes). */
const MAX_SHARED_WITHIN_MS = 86_400_000;

/** Progress of a long command: steps done, steps in all. */
export type CommandProgress = (done: number, total: number) => void;

/** Runs one command on the store. */
export async function runStoreCommand<N extends StoreCommandName>(target: StoreCommandTarget, name: N, args: StoreCommandArgs<N>, onProgress?: CommandProgress): Promise<StoreCommandResult<N>> {
  return (await run(target, { name, args } as StoreCommand, onProgress)) as StoreCommandResult<N>;
}

async function run(target: StoreCommandTarget, command: StoreCommand, onProgress?: CommandProgress): Promise<unknown> {
  const { store, jobs } = target;
  switch (command.name) {
    case 'status':
      return getStoreStatus(store);
    case 'detectAnomalies':
      return detectAnomalies(store, {});
    case 'backfillTimeSeries':
      return backfillTimeSeries(store, { days: command.args.days, jobs, onProgress });
    case 'trainPredictor':
      return train(target);
    case 'createAbTest':
      return createAbTest(store, {
        test_name: command.args.name,
        control_strategy: STRATEGY_BY_GROUP.control,
        treatment_strategy: STRATEGY_BY_GROUP.treatment,
        assignment_ratio: command.args.ratio,
        min_sample_size: command.args.minSample,
      });
    case 'listAbTests':
      return listAbTests(store);
    case 'analyzeAbTest':
      return analyzeAbTest(store, command.args.testId);
    case 'stopAbTest':
      return stopAbTest(store, command.args.testId);
    case 'initializeTaxonomy':
      return initializeTaxonomy(store);
    case 'updateDependencies': {
      const deps = (await jobs.run(store, { kind: 'dependencies' })).summary;
      const baselines = (await jobs.run(store, { kind: 'baselines' })).summary;
      return { dependencies: deps.dependencies_created, sessions: deps.sessions, baselines: baselines.skills_updated };
    }
    case 'exportProfile':
      return exportProfile(store, command.args.userId);
    case 'importProfiles':
      return importProfiles(store, command.args.files);
    case 'deleteAllData':
      return deleteAllData(store);
    case 'teamSync': {
      const { sharedWithinMs = 0, ...server } = command.args;
      const sync = () => syncWithTeam(store, server);
      return target.teamSyncs ? target.teamSyncs.run({ ...server, sharedWithinMs }, sync) : sync();
    }
    case 'teamUnpushed':
      return unpushedRuns(store, command.args.url);
    case 'teamPreview':
      return previewShared(store, command.args, command.args.limit);
    case 'teamLeave':
      return leaveTeamDeletingRows(store, command.args);
    case 'teamPush':
      return pushToTeam(store, serverOf(command.args), { onBatch: onProgress && ((batch) => onProgress(batch.sent, batch.total)) });
    case 'teamPull': {
      const pulled = await pullFromTeam(store, serverOf(command.args));
      return { baselines: pulled.baselines.length, similar_members: pulled.similar_members.length, dependencies: pulled.dependencies.length };
    }
    case 'teamStatus':
      return teamStatus(store, serverOf(command.args));
    case 'teamQuit':
      return leaveTeam(store, serverOf(command.args), { deleteRows: command.args.deleteRows });
  }
}

function serverOf(args: TeamServerArgs): TeamServer {
  return parseTeamServer(args.url, args.password);
}

async function train({ store, jobs }: StoreCommandTarget): Promise<TrainAnswer> {
  try {
    return { trained: (await jobs.run(store, { kind: 'predictor', days: 30 })).summary };
  } catch (err) {
    if (err instanceof PredictorRefusal) return { refused: err.message };
    throw err;
  }
}

/** A team server URL that parses (no password in it), and a password that is a string if given. */
function teamServer(args: OperationArgs): TeamServerArgs {
  const url = args.raw('url');
  const password = args.raw('password');
  if (typeof url !== 'string' || url.length > MAX_URL) throw new ValidationError('url', `must be a string of at most ${MAX_URL} characters`);
  try {
    parseTeamServer(url);
  } catch (err) {
    throw new ValidationError('url', (err as Error).message);
  }
  if (password === undefined) return { url };
  if (typeof password !== 'string' || password.length > MAX_PASSWORD) throw new ValidationError('password', `must be a string of at most ${MAX_PASSWORD} characters`);
  return { url, password };
}

/** A command as a client sent it (the store host's `command` request), checked: unknown names and bad arguments are ValidationErrors. */
export function parseStoreCommand(name: unknown, args: unknown): StoreCommand {
  if (typeof name !== 'string' || !(NAMES as readonly string[]).includes(name)) throw new ValidationError('name', `must be one of ${NAMES.join(', ')}`);
  const given = OperationArgs.of(args);
  const command = name as StoreCommandName;
  switch (command) {
    case 'backfillTimeSeries':
      return { name: command, args: { days: given.integer('days', 1, MAX_BACKFILL_DAYS) } };
    case 'createAbTest':
      return { name: command, args: { name: given.name('name'), ratio: given.between('ratio', 0.01, 0.99), minSample: given.integer('minSample', 1, MAX_SAMPLE) } };
    case 'analyzeAbTest':
    case 'stopAbTest':
      return { name: command, args: { testId: given.integer('testId', 1, Number.MAX_SAFE_INTEGER) } };
    case 'exportProfile':
      return { name: command, args: { userId: given.name('userId') } };
    case 'importProfiles':
      return { name: command, args: { files: given.absolutePaths('files', MAX_PROFILE_FILES) } };
    case 'teamSync':
      return { name: command, args: given.raw('sharedWithinMs') === undefined ? teamServer(given) : { ...teamServer(given), sharedWithinMs: given.integer('sharedWithinMs', 0, MAX_SHARED_WITHIN_MS) } };
    case 'teamLeave':
    case 'teamPush':
    case 'teamPull':
    case 'teamStatus':
      return { name: command, args: teamServer(given) };
    case 'teamQuit':
      return { name: command, args: { ...teamServer(given), deleteRows: given.flag('deleteRows') } };
    case 'teamUnpushed':
      return { name: command, args: { url: teamServer(given).url } };
    case 'teamPreview':
      return { name: command, args: { ...teamServer(given), limit: given.integer('limit', 1, MAX_PREVIEW_ROWS) } };
    default:
      return { name: command, args: {} };
  }
}
