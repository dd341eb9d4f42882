import type { AgentRecordingTarget } from '../agents/agentRecorder';
import type { Alert } from '../dashboard/alertMemory';
import type { DashboardData, WorkspaceScope } from '../dashboard/dashboardData';
import type { TodaySummary } from '../dashboard/today';
import type { DayBoundary } from '../days';
import type { UpNextAccuracy } from '../recommend/learnedRecommendations';
import type { RecommendationList } from '../recommend/recommendationList';
import type { Recommendation, RecommendationContext } from '../recommend/types';
import type { Disposable } from '../store/storeInterface';
import type { ToolResult } from '../tools/tool';
import type { SkillCount } from '../tracking/tracker';
import type { RunRecorder } from '../tracking/runRecorder';
import type { WindowSession } from '../tracking/windowSession';
import type { CommandProgress, StoreCommandArgs, StoreCommandName, StoreCommandResult } from './storeCommands';

/** Whether anything was recorded, and whether that is only the generated demo (the empty states, the walkthrough). */
export interface RunState {
  hasRuns: boolean;
  demo: boolean;
}

/** The outcome of a run chosen from the list under an A/B test. */
export interface ChosenOutcome {
  skill: string;
  completed: boolean;
  durationSeconds: number | null;
}

/** What the dashboard asks for: its range, the trend chart's skill, whose runs. */
export interface DashboardQuery {
  days: number;
  boundary: DayBoundary;
  trendSkill?: string;
  /** The window's workspace folder; only its hash under the store's salt leaves the window. */
  projectPath?: string;
  workspace: WorkspaceScope;
}

/** The dashboard's data, and how often Up next was right for the window's user (its heading). */
export interface DashboardAnswer {
  data: DashboardData;
  accuracy: UpNextAccuracy;
}

/**
 * What an editor window's always-present parts (the trackers, the status bar, the Recommendations
 * view, the alerts) read and write of the store: from a store the window holds (LocalWindowData), or
 * through the store host without loading the data (HostedWindow). Either way a run is durably in a
 * log before it is confirmed.
 */
export interface WindowData {
  readonly userId: string;
  /** Records the window's runs: into the store it holds, or into this window's own log segment. */
  readonly recorder: RunRecorder;
  /** Where the agents' receiver of this window records their runs (through `recorder`). */
  readonly agentRecording: AgentRecordingTarget;
  readonly session: WindowSession;
  /** Who answers: "this window" or the store host with its engine, for the log. */
  readonly servedBy: string;
  /** Whether the store host holds the store (then the store is not opened in the window for these reads). */
  readonly hosted: boolean;
  /** The status bar's summary of the day that contains `now`, in the window's calendar. */
  today(now: Date, boundary: DayBoundary): Promise<TodaySummary>;
  /** Up next, Discover and More for this window's situation. */
  recommendationList(context: RecommendationContext): Promise<RecommendationList>;
  /** The candidates of every source ranked by the user's A/B strategy (the extension API's getRecommendations). */
  rankedRecommendations(context: RecommendationContext): Promise<Recommendation[]>;
  dashboard(query: DashboardQuery): Promise<DashboardAnswer>;
  /** The most used skills with their counters, for the pick lists of the palette (1..1000). */
  skillCounts(limit: number): Promise<SkillCount[]>;
  /** Every open alert, newest first. */
  openAlerts(): Promise<Alert[]>;
  runState(): Promise<RunState>;
  /** Records the outcome for the user's A/B group (their exposure with their first outcome). */
  recordAbOutcome(testId: number, outcome: ChosenOutcome): Promise<void>;
  /**
   * An agent tool called by an agent in this window (the editor's language-model tools): a run it
   * records goes into this window's session. Unknown tools and bad arguments throw.
   */
  runTool(name: string, args: unknown, mayWrite: () => boolean): Promise<ToolResult>;
  /**
   * One of the palette's commands on the whole store (status, analytics, A/B tests, profiles, Delete
   * All Data), run where the data is. Progress is reported by this window's own store, and by a
   * store host of protocol 10 or later.
   */
  command<N extends StoreCommandName>(name: N, args: StoreCommandArgs<N>, onProgress?: CommandProgress): Promise<StoreCommandResult<N>>;
  /** Fires when the data changed: this window's runs, another process's, the background jobs' results. */
  onDidChange(listener: () => void): Disposable;
  /** Ends the window's session; a hosted window also finishes its log segment and disconnects. */
  close(): Promise<void>;
}
