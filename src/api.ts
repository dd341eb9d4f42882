/**
 * The API Session Buddy returns from `activate()`, for other extensions:
 *
 *   const api = vscode.extensions.getExtension<SessionBuddyApi>('session-buddy.session-buddy')?.exports;
 *   const run = api?.startInvocation({ skillName: 'deploy-staging', workflowPhase: 'deployment' });
 *   ...
 *   await run?.complete({ completed: false, errorType: 'timeout' });
 *
 * Runs are recorded in the window's current session, under the user's id. Nothing is recorded while
 * the user has paused tracking: the calls then resolve to `undefined`. Invalid input (an empty or
 * over-long skill name, a negative duration…) rejects with an error naming the field.
 */
import type { ListedSkill, ListSection, RecommendationList } from './core/recommend/recommendationList';
import type { Recommendation, RecommendationAction, RecommendationSource } from './core/recommend/types';

export type { ListedSkill, ListSection, Recommendation, RecommendationAction, RecommendationList, RecommendationSource };

export interface TrackInvocationInput {
  /** e.g. "pytest-run", "deploy-staging"; at most 200 characters. */
  skillName: string;
  /** Default false. */
  completed?: boolean;
  durationSeconds?: number;
  /** When it ran (ISO 8601, epoch ms or Date); default now. */
  invokedAt?: string | number | Date;
  /** A short error type ("timeout", "exit 1"); never a message with paths or output. */
  errorType?: string;
  /** setup, execution, verification, deployment… */
  workflowPhase?: string;
  workflowStepId?: string;
  /** Other skills that were considered. */
  alternativesConsidered?: string[];
  /** 1 = the first choice among the alternatives. */
  selectionRank?: number;
  followUpActions?: string[];
}

export type StartInvocationInput = Pick<TrackInvocationInput, 'skillName' | 'workflowPhase' | 'workflowStepId' | 'alternativesConsidered' | 'selectionRank'>;

export interface InvocationOutcome {
  /** Default true. */
  completed?: boolean;
  errorType?: string;
  /** Overrides the measured duration. */
  durationSeconds?: number;
  followUpActions?: string[];
}

/** A run that has started; its duration is measured until `complete` (call it once). */
export interface RunningInvocation {
  readonly skillName: string;
  /** Resolves to the invocation id, or undefined when tracking is paused. */
  complete(outcome?: InvocationOutcome): Promise<number | undefined>;
}

/** Everything is optional: by default the window's own context is used (last skill, active editor, recent failures). */
export interface RecommendationQuery {
  lastSkill?: string;
  languageId?: string;
  isTestFile?: boolean;
  recentFailures?: string[];
  /** Default 5, at most 100. */
  limit?: number;
}

export interface SessionBuddyApi {
  /** The version of this API; additions keep the number, breaking changes raise it. */
  readonly apiVersion: 1;
  /** Records a finished run; resolves to its id (undefined when tracking is paused). */
  trackInvocation(input: TrackInvocationInput): Promise<number | undefined>;
  /** Starts a run now; complete it when it ends. */
  startInvocation(input: StartInvocationInput): RunningInvocation;
  /** The candidates of every source (dependencies, popularity, similar users, retries, the editor), ranked by the user's strategy. */
  getRecommendations(query?: RecommendationQuery): Promise<Recommendation[]>;
  /**
   * What the Recommendations view lists: Up next (`limit` items, each with the probability that it is
   * the next run), Discover and More, and how often Up next was right on the user's newest runs.
   */
  getRecommendationList(query?: RecommendationQuery): Promise<RecommendationList>;
}
