import crypto from 'node:crypto';
import { INVOCATION_SOURCES, type InvocationRow, type InvocationSource, type StoreEvent } from '../store/events';
import type { Disposable } from '../store/storeInterface';
import { nowTimestamp } from '../time';
import {
  LIMITS,
  UnknownSessionError,
  ValidationError,
  optionalDuration,
  optionalList,
  optionalRank,
  optionalText,
  optionalTimestamp,
  requireName,
} from '../validation';
import { sourceOfSession } from './invocationSource';
import { startPendingRun, type PendingRun, type RunClock } from './pendingRun';
import type { SessionLookup } from './sessionLookup';

export interface CreateSessionInput {
  /** A caller-chosen id (the CLI's daily session); default: a new random id. */
  sessionId?: string;
  /** Only its hash under the store's salt is stored (storeSalt.ts). */
  projectPath?: string;
  userId?: string;
  source?: string;
}

export interface InvocationInput {
  sessionId: string;
  skillName: string;
  invokedAt?: string | number | Date;
  completed?: boolean;
  durationSeconds?: number;
  workflowPath?: string;
  workflowPhase?: string;
  workflowStepId?: string;
  errorType?: string;
  userQuery?: string;
  alternativesConsidered?: string[];
  selectionRank?: number;
  followUpActions?: string[];
  /** Who ran it; default: the source of its session (invocationSource.ts). */
  source?: InvocationSource;
  /** 32 hex digits identifying the telemetry record it came from: a second run with the same key is not recorded. */
  recordKey?: string;
}

export interface Outcome {
  completed?: boolean;
  errorType?: string;
  /** Overrides the measured duration. */
  durationSeconds?: number;
  followUpActions?: string[];
}

/**
 * Where a recorder writes: a store (which also applies the events), or this process's log segment
 * alone (RecordingLog), for a process that records without loading the store. Either way a commit
 * resolves once its events are durably in the log.
 */
export interface RunLog {
  nextId(): Promise<number>;
  commit(events: StoreEvent[]): Promise<void>;
  /** Hears the events applied, when the log applies them (a store does; a log of its own never sees a purge). */
  onDidApply?(listener: (events: readonly StoreEvent[]) => void): Disposable;
}

/** Sessions whose owner is remembered; a session's user and source never change, only "delete all data" forgets them. */
const SESSION_CACHE_SIZE = 1000;

const RECORD_KEY = /^[0-9a-f]{32}$/;

/** Whose a session is: the user its invocations count for, and who runs them. */
interface SessionOwner {
  userId: string;
  source: InvocationSource | null;
}

/**
 * Records sessions and runs, checked first (one invalid input records none), into a RunLog. It asks
 * a SessionLookup only about sessions it did not start itself.
 */
export class RunRecorder {
  private readonly sessionOwners = new Map<string, SessionOwner>();

  constructor(private readonly log: RunLog, private readonly sessions: SessionLookup, private readonly defaultUserId: string) {
    log.onDidApply?.((events) => {
      if (events.some((e) => e.t === 'purge')) this.sessionOwners.clear();
    });
  }

  async createSession(input: CreateSessionInput = {}): Promise<string> {
    const userId = input.userId === undefined ? this.defaultUserId : requireName('userId', input.userId);
    const projectPath = optionalText('projectPath', input.projectPath, LIMITS.text);
    const source = optionalText('source', input.source, 64);
    const sessionId = input.sessionId === undefined ? crypto.randomBytes(12).toString('base64url') : requireName('sessionId', input.sessionId);
    const projectHash = projectPath ? this.sessions.projectHash(projectPath) : null;
    await this.log.commit([
      { t: 'session_start', session: { session_id: sessionId, user_id: userId, project_hash: projectHash, source, started_at: nowTimestamp() } },
    ]);
    this.remember(sessionId, { userId, source: sourceOfSession(source ?? null) });
    return sessionId;
  }

  async endSession(sessionId: string): Promise<void> {
    this.sessionOwner(sessionId);
    await this.log.commit([{ t: 'session_end', session_id: sessionId, ended_at: nowTimestamp() }]);
  }

  async trackInvocation(input: InvocationInput): Promise<number> {
    const [id] = await this.record([this.toRow(input)]);
    return id;
  }

  /** Records finished runs in one commit. Every input is checked first: one invalid input records none. */
  async trackInvocations(inputs: readonly InvocationInput[]): Promise<number[]> {
    return this.record(inputs.map((input) => this.toRow(input)));
  }

  /** Starts an invocation now: its time and the clock of its duration start here; `complete` records it once. */
  startInvocation(input: Omit<InvocationInput, 'completed' | 'durationSeconds' | 'invokedAt'>, clock?: RunClock): PendingRun {
    const { row: base, userId } = this.toRow({ ...input, completed: false });
    return startPendingRun(base.skill_name, async (run) => {
      const row: InvocationRow = {
        ...base,
        invoked_at: run.invokedAt,
        completed: run.completed ? 1 : 0,
        duration_seconds: optionalDuration('durationSeconds', run.durationSeconds),
        error_type: optionalText('errorType', run.outcome.errorType) ?? base.error_type,
        follow_up_actions: optionalList('followUpActions', run.outcome.followUpActions) ?? base.follow_up_actions,
      };
      const [id] = await this.record([{ row, userId }]);
      return id;
    }, clock);
  }

  private async record(prepared: readonly { row: InvocationRow; userId: string }[]): Promise<number[]> {
    const events: Extract<StoreEvent, { t: 'invocation' }>[] = [];
    for (const { row, userId } of prepared) events.push({ t: 'invocation', row: { ...row, id: await this.log.nextId() }, user_id: userId });
    await this.log.commit(events);
    return events.map((e) => e.row.id);
  }

  /** The validated row, and the user whose session it belongs to. */
  private toRow(input: InvocationInput): { row: InvocationRow; userId: string } {
    if (!input || typeof input !== 'object') throw new ValidationError('invocation', 'must be an object');
    const sessionId = requireName('sessionId', input.sessionId);
    const owner = this.sessionOwner(sessionId);
    if (input.completed !== undefined && typeof input.completed !== 'boolean') throw new ValidationError('completed', 'must be true or false');
    const row: InvocationRow = {
      id: 0,
      skill_name: requireName('skillName', input.skillName),
      invoked_at: optionalTimestamp('invokedAt', input.invokedAt, nowTimestamp),
      session_id: sessionId,
      workflow_path: optionalText('workflowPath', input.workflowPath),
      completed: input.completed ? 1 : 0,
      duration_seconds: optionalDuration('durationSeconds', input.durationSeconds),
      user_query: optionalText('userQuery', input.userQuery, LIMITS.text),
      alternatives_considered: optionalList('alternativesConsidered', input.alternativesConsidered),
      selection_rank: optionalRank('selectionRank', input.selectionRank),
      follow_up_actions: optionalList('followUpActions', input.followUpActions),
      error_type: optionalText('errorType', input.errorType),
      workflow_phase: optionalText('workflowPhase', input.workflowPhase, 64),
      workflow_step_id: optionalText('workflowStepId', input.workflowStepId, LIMITS.name),
      source: optionalSource(input.source) ?? owner.source,
      record_key: optionalRecordKey(input.recordKey),
    };
    return { row, userId: owner.userId };
  }

  /**
   * Whose a known session is; a session known only from its invocations (imported from the Python
   * tool) belongs to this recorder's user, with no known source. Unknown sessions are refused.
   */
  private sessionOwner(id: string): SessionOwner {
    const known = this.sessionOwners.get(id);
    if (known !== undefined) return known;
    const session = this.sessions.session(id);
    if (session) {
      const owner = { userId: session.user_id, source: sourceOfSession(session.source) };
      this.remember(id, owner);
      return owner;
    }
    if (this.sessions.hasRuns(id)) return { userId: this.defaultUserId, source: null };
    throw new UnknownSessionError(id);
  }

  private remember(id: string, owner: SessionOwner): void {
    if (this.sessionOwners.size >= SESSION_CACHE_SIZE) this.sessionOwners.clear();
    this.sessionOwners.set(id, owner);
  }
}

function optionalSource(value: unknown): InvocationSource | undefined {
  if (value === undefined) return undefined;
  if (!(INVOCATION_SOURCES as readonly unknown[]).includes(value)) throw new ValidationError('source', `must be one of ${INVOCATION_SOURCES.join(', ')}`);
  return value as InvocationSource;
}

function optionalRecordKey(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !RECORD_KEY.test(value)) throw new ValidationError('recordKey', 'must be 32 hex digits');
  return value;
}
