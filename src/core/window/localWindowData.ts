import { storeRecordingTarget, type AgentRecordingTarget } from '../agents/agentRecorder';
import { assignUser, recordAbOutcome } from '../analytics/abTesting';
import type { AnalyticsJobRunner } from '../analytics/analyticsJobRunner';
import type { Alert } from '../dashboard/alertMemory';
import { openAlerts } from '../dashboard/alerts';
import { getDashboardData, hasRecordedRuns, isDemoStore } from '../dashboard/dashboardData';
import { getTodaySummary, type TodaySummary } from '../dashboard/today';
import type { DayBoundary } from '../days';
import { learnedFor } from '../recommend/learnedRecommendations';
import { getRecommendationList, type RecommendationList } from '../recommend/recommendationList';
import { getRecommendations } from '../recommend/engine';
import type { Recommendation, RecommendationContext } from '../recommend/types';
import type { Disposable, Store } from '../store/storeInterface';
import { runTool } from '../tools/agentTools';
import type { ToolResult } from '../tools/tool';
import type { SkillCount, SkillTracker } from '../tracking/tracker';
import { projectHashOf } from '../tracking/project';
import type { WindowSession } from '../tracking/windowSession';
import { runStoreCommand, type CommandProgress, type StoreCommandArgs, type StoreCommandName, type StoreCommandResult } from './storeCommands';
import type { ChosenOutcome, DashboardAnswer, DashboardQuery, RunState, WindowData } from './windowData';

/** A window that holds the store itself (sql.js): every answer is read from its own copy. */
export class LocalWindowData implements WindowData {
  readonly servedBy = 'this window';
  readonly hosted = false;

  readonly agentRecording: AgentRecordingTarget;

  constructor(private readonly store: Store, readonly recorder: SkillTracker, readonly session: WindowSession, readonly userId: string, private readonly jobs: AnalyticsJobRunner) {
    this.agentRecording = storeRecordingTarget(store, recorder);
  }

  async today(now: Date, boundary: DayBoundary): Promise<TodaySummary> {
    return getTodaySummary(this.store, now, boundary);
  }

  async recommendationList(context: RecommendationContext): Promise<RecommendationList> {
    learnedFor(this.store, this.userId);
    return getRecommendationList(this.store, context);
  }

  rankedRecommendations(context: RecommendationContext): Promise<Recommendation[]> {
    return getRecommendations(this.store, context);
  }

  async dashboard(query: DashboardQuery): Promise<DashboardAnswer> {
    const { projectPath, ...options } = query;
    const data = getDashboardData(this.store, { ...options, projectHash: projectPath === undefined ? undefined : projectHashOf(this.store, projectPath) });
    return { data, accuracy: learnedFor(this.store, this.userId).accuracy() };
  }

  async skillCounts(limit: number): Promise<SkillCount[]> {
    return this.recorder.getSkillCounts(limit);
  }

  async openAlerts(): Promise<Alert[]> {
    return openAlerts(this.store);
  }

  async runState(): Promise<RunState> {
    return { hasRuns: hasRecordedRuns(this.store), demo: isDemoStore(this.store) };
  }

  async recordAbOutcome(testId: number, outcome: ChosenOutcome): Promise<void> {
    await assignUser(this.store, testId, this.userId);
    await recordAbOutcome(this.store, testId, this.userId, { skill_name: outcome.skill, completed: outcome.completed, duration_seconds: outcome.durationSeconds });
  }

  runTool(name: string, args: unknown, mayWrite: () => boolean): Promise<ToolResult> {
    const { store, recorder, session, userId } = this;
    return runTool({ store, recorder, userId, knowSession: async () => undefined, session: () => session.current(), existingSession: () => session.id, mayWrite, caller: 'agent' }, name, args);
  }

  command<N extends StoreCommandName>(name: N, args: StoreCommandArgs<N>, onProgress?: CommandProgress): Promise<StoreCommandResult<N>> {
    return runStoreCommand({ store: this.store, jobs: this.jobs }, name, args, onProgress);
  }

  onDidChange(listener: () => void): Disposable {
    return this.store.onDidChange(listener);
  }

  close(): Promise<void> {
    return this.session.end();
  }
}
