import type { AgentRecordingTarget } from '../agents/agentRecorder';
import type { Alert } from '../dashboard/alertMemory';
import type { TodaySummary } from '../dashboard/today';
import { dayOf, type DayBoundary } from '../days';
import type { RecommendationList } from '../recommend/recommendationList';
import type { Recommendation, RecommendationContext } from '../recommend/types';
import { storePaths } from '../store/paths';
import { saltAt } from '../store/storeSalt';
import { RecordingLog } from '../store/recordingLog';
import type { Disposable } from '../store/storeInterface';
import type { ToolResult } from '../tools/tool';
import { RunRecorder } from '../tracking/runRecorder';
import type { SkillCount } from '../tracking/tracker';
import { KnownSessions } from '../tracking/sessionLookup';
import { WindowSession, type WindowSessionOptions } from '../tracking/windowSession';
import type { CommandProgress, StoreCommandArgs, StoreCommandName, StoreCommandResult } from '../window/storeCommands';
import type { ChosenOutcome, DashboardAnswer, DashboardQuery, RunState, WindowData } from '../window/windowData';
import { connectToHost, HostGoneError, HostUnavailableError, type HostConnection } from './hostClient';
import type { HostClientOptions } from './hostStarter';
import { parseProgress, type ChangesAnswer, type HostMethod, type RecordingContext } from './protocol';

export interface HostedWindowOptions extends HostClientOptions {
  userId: string;
  session: WindowSessionOptions;
  log(line: string): void;
  /** Pause before watching a new host when the previous one went away (default 1 s). */
  reconnectMs?: number;
}

/** How long one `changes` request waits: the host answers at once when something changed. */
const WATCH_WAIT_MS = 30_000;
const DEFAULT_RECONNECT_MS = 1000;

/**
 * A window whose data stays in the store host: the window records its runs in its own log segment,
 * fdatasynced before a run is confirmed, as the CLI does with the host on (the host applies the log,
 * and one that is down or killed loses nothing), and asks the host for what its views show. A
 * second connection waits for the store's changes, so the views refresh as they would beside a store
 * of their own. A request whose host went away is asked once more, which starts a new host.
 */
export class HostedWindow implements WindowData {
  readonly recorder: RunRecorder;
  readonly session: WindowSession;
  private requests: Promise<HostConnection> | undefined;
  private watcher: HostConnection | undefined;
  private version: string | undefined;
  /** The store's clock at the last purge this window has followed. */
  private purgeSeen: number;
  private readonly listeners = new Set<() => void>();
  private readonly purgeListeners = new Set<() => void>();
  readonly agentRecording: AgentRecordingTarget;
  private closed = false;

  private constructor(private readonly options: HostedWindowOptions, first: HostConnection, private readonly log: RecordingLog, private readonly sessions: KnownSessions, latestStamp: number) {
    this.requests = Promise.resolve(first);
    this.purgeSeen = latestStamp;
    this.recorder = new RunRecorder(log, sessions, options.userId);
    this.session = new WindowSession(log, this.recorder, options.session);
    const saltFile = storePaths(options.db).salt;
    this.agentRecording = {
      recorder: this.recorder,
      salt: () => saltAt(saltFile),
      sessionExists: async (id) => {
        await this.knowSession(id);
        return sessions.knows(id);
      },
      onDidPurge: (listener) => {
        this.purgeListeners.add(listener);
        return { dispose: () => this.purgeListeners.delete(listener) };
      },
    };
  }

  /** Connects (starting the host when none runs). HostUnavailableError: the window opens the store itself. */
  static async open(options: HostedWindowOptions): Promise<HostedWindow> {
    const connection = await connectToHost(options);
    try {
      const known = (await connection.request('session', {})) as RecordingContext;
      if (known.readOnlyReason) throw new HostUnavailableError(`the store takes no writes: ${known.readOnlyReason}`);
      const paths = storePaths(options.db);
      const window = new HostedWindow(options, connection, new RecordingLog(paths, known.latestStamp), new KnownSessions(paths.salt), known.latestStamp);
      void window.watch();
      return window;
    } catch (err) {
      connection.close();
      throw err;
    }
  }

  get userId(): string {
    return this.options.userId;
  }

  get hosted(): boolean {
    return true;
  }

  get servedBy(): string {
    return 'the store host';
  }

  today(now: Date, boundary: DayBoundary): Promise<TodaySummary> {
    const { start, end } = dayOf(now, boundary);
    return this.request('today', { start, end }) as Promise<TodaySummary>;
  }

  recommendationList(context: RecommendationContext): Promise<RecommendationList> {
    return this.request('recommendations', { ...context }) as Promise<RecommendationList>;
  }

  rankedRecommendations(context: RecommendationContext): Promise<Recommendation[]> {
    return this.request('ranked', { ...context }) as Promise<Recommendation[]>;
  }

  dashboard(query: DashboardQuery): Promise<DashboardAnswer> {
    const { projectPath, ...rest } = query;
    const projectHash = projectPath === undefined ? undefined : this.sessions.projectHash(projectPath);
    return this.request('dashboard', { ...rest, userId: this.userId, ...(projectHash ? { projectHash } : {}) }) as Promise<DashboardAnswer>;
  }

  skillCounts(limit: number): Promise<SkillCount[]> {
    return this.request('skills', { limit }) as Promise<SkillCount[]>;
  }

  openAlerts(): Promise<Alert[]> {
    return this.request('alerts') as Promise<Alert[]>;
  }

  async runState(): Promise<RunState> {
    const { hasRuns, demo } = (await this.request('changes', { waitMs: 0 })) as ChangesAnswer;
    return { hasRuns, demo };
  }

  async recordAbOutcome(testId: number, outcome: ChosenOutcome): Promise<void> {
    await this.request('abOutcome', { testId, userId: this.userId, ...outcome });
  }

  /**
   * A tool that records runs runs here, into this window's log and session, as the window's own runs
   * do; any other is answered by the host. Arguments are checked here first, so a bad call is refused
   * alike whichever answers it.
   */
  async runTool(name: string, args: unknown, mayWrite: () => boolean): Promise<ToolResult> {
    const [{ findTool, runRecordingTool }, { validateArguments }] = await Promise.all([import('../tools/agentTools'), import('../tools/schema')]);
    const tool = findTool(name);
    validateArguments(tool.name, tool.inputSchema, args ?? {});
    if (!tool.record) return (await this.request('tool', { name, args: args ?? {}, userId: this.userId })) as ToolResult;
    const { session } = this;
    return runRecordingTool({ recorder: this.recorder, userId: this.userId, knowSession: (id) => this.knowSession(id), session: () => session.current(), existingSession: () => session.id, mayWrite, caller: 'agent' }, name, args);
  }

  /**
   * Asked on a connection of its own, so that a long command (training, a backfill) does not hold
   * up the views' requests, and not asked again if the host goes away: a command may change the
   * store. Delete All Data first finishes this window's segment: the purge waits for every segment
   * begun before it. The watch then hears of the purge (followPurge).
   */
  async command<N extends StoreCommandName>(name: N, args: StoreCommandArgs<N>, onProgress?: CommandProgress): Promise<StoreCommandResult<N>> {
    if (name === 'deleteAllData') await this.log.endSegment();
    const connection = await connectToHost(this.options);
    const heard = onProgress && ((line: Record<string, unknown>) => {
      const progress = parseProgress(line);
      if (progress) onProgress(progress.done, progress.total);
    });
    try {
      return (await connection.request('command', { name, args }, heard)) as StoreCommandResult<N>;
    } finally {
      connection.close();
    }
  }

  /**
   * A purge applied by the host (Delete All Data, in any process): the segment this window began
   * before it is finished, as the purge waits for, and the window's clock moves past it.
   */
  private async followPurge(purgedAt: number): Promise<void> {
    if (purgedAt <= this.purgeSeen) return;
    this.purgeSeen = purgedAt;
    this.log.observe(purgedAt);
    await this.log.endSegment();
    this.sessions.forget();
    for (const listener of [...this.purgeListeners]) listener();
  }

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Ends the session, finishes the log segment (every run in it is already durable) and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.session.end();
    } finally {
      await this.log.close();
      this.watcher?.close();
      void this.requests?.then((c) => c.close(), () => undefined);
    }
  }

  /** A session an agent names is looked up by the host once: a session's owner never changes. */
  private async knowSession(id: string): Promise<void> {
    if (id === this.session.id || this.sessions.knows(id)) return;
    this.sessions.add(id, (await this.request('session', { id })) as RecordingContext);
  }

  private async request(method: HostMethod, params: Record<string, unknown> = {}): Promise<unknown> {
    try {
      return await (await this.connection()).request(method, params);
    } catch (err) {
      if (!(err instanceof HostGoneError) || this.closed) throw err;
      this.requests = undefined;
      return (await this.connection()).request(method, params);
    }
  }

  private connection(): Promise<HostConnection> {
    if (this.closed) return Promise.reject(new HostGoneError('the window closed its connection to the store host'));
    const current = this.requests ?? connectToHost(this.options);
    this.requests = current;
    current.catch(() => {
      if (this.requests === current) this.requests = undefined;
    });
    return current;
  }

  /** Waits for the store's changes until the window closes, following the host through restarts. */
  private async watch(): Promise<void> {
    let troubled = false;
    while (!this.closed) {
      try {
        this.watcher ??= await connectToHost(this.options);
        if (this.closed) break;
        const answer = (await this.watcher.request('changes', { ...(this.version === undefined ? {} : { since: this.version }), waitMs: WATCH_WAIT_MS })) as ChangesAnswer;
        troubled = false;
        await this.followPurge(answer.purgedAt);
        if (answer.version === this.version) continue;
        this.version = answer.version;
        for (const listener of [...this.listeners]) listener();
      } catch (err) {
        this.watcher?.close();
        this.watcher = undefined;
        if (this.closed) break;
        if (!troubled && !(err instanceof HostGoneError)) this.options.log(`watching the store through its host failed: ${(err as Error).message}`);
        troubled = true;
        await new Promise((resolve) => setTimeout(resolve, this.options.reconnectMs ?? DEFAULT_RECONNECT_MS));
      }
    }
    this.watcher?.close();
  }
}
