import crypto from 'node:crypto';
import { INVOCATION_SOURCES, type InvocationRow, type InvocationSource, type StoreEvent } from '../store/events';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { meanDuration, rateFromPercent } from '../measures';
import { nowTimestamp } from '../time';
import { sourceOfSession } from './invocationSource';
import { projectHashOf } from './project';
import { startPendingRun, type PendingRun, type RunClock } from './pendingRun';
import {
  LIMITS,
  UnknownSessionError,
  ValidationError,
  optionalDuration,
  optionalList,
  optionalRank,
  optionalText,
  optionalTimestamp,
  positiveInteger,
  requireName,
} from '../validation';

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

export interface SkillMetrics {
  skill_name: string;
  total_invocations: number;
  completed_invocations: number;
  abandoned_invocations: number;
  /** 0..1 (the table stores percent, as the anchor did). */
  completion_rate: number;
  /** Over the runs that recorded a duration (core/measures.ts); null when none did. */
  avg_duration_seconds: number | null;
  total_duration_seconds: number;
  first_invoked: string | null;
  last_invoked: string | null;
  workflow_paths: Record<string, number>;
  common_errors: Record<string, number>;
  follow_up_actions: Record<string, number>;
}

export interface SessionSummary {
  session_id: string;
  user_id: string | null;
  started_at: string | null;
  ended_at: string | null;
  unique_skills: number;
  total_invocations: number;
  completed_count: number;
  abandoned_count: number;
  total_duration_seconds: number;
  first_skill_at: string | null;
  last_skill_at: string | null;
}

/** A skill's counters as skill_metrics keeps them: cheap to read for any number of skills. */
export interface SkillCount {
  skill_name: string;
  total_invocations: number;
  completion_rate: number;
  last_invoked: string | null;
}

export interface TopSkill extends SkillCount {
  avg_duration_seconds: number | null;
}

/** Sessions whose owner is remembered; a session's user and source never change, only "delete all data" forgets them. */
const SESSION_CACHE_SIZE = 1000;

const RECORD_KEY = /^[0-9a-f]{32}$/;

/** Whose a session is: the user its invocations count for, and who runs them. */
interface SessionOwner {
  userId: string;
  source: InvocationSource | null;
}

/** The V3 tracking API on top of the durable store. */
export class SkillTracker {
  private readonly sessionOwners = new Map<string, SessionOwner>();

  constructor(private readonly store: Store, private readonly defaultUserId: string) {
    store.onDidApply((events) => {
      if (events.some((e) => e.t === 'purge')) this.sessionOwners.clear();
    });
  }

  async createSession(input: CreateSessionInput = {}): Promise<string> {
    const userId = input.userId === undefined ? this.defaultUserId : requireName('userId', input.userId);
    const projectPath = optionalText('projectPath', input.projectPath, LIMITS.text);
    const source = optionalText('source', input.source, 64);
    const sessionId = input.sessionId === undefined ? crypto.randomBytes(12).toString('base64url') : requireName('sessionId', input.sessionId);
    const projectHash = projectPath ? projectHashOf(this.store, projectPath) : null;
    await this.store.commit([
      { t: 'session_start', session: { session_id: sessionId, user_id: userId, project_hash: projectHash, source, started_at: nowTimestamp() } },
    ]);
    return sessionId;
  }

  async endSession(sessionId: string): Promise<void> {
    this.sessionOwner(sessionId);
    await this.store.commit([{ t: 'session_end', session_id: sessionId, ended_at: nowTimestamp() }]);
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

  getSkillMetrics(skillName: string): SkillMetrics | undefined {
    const name = requireName('skillName', skillName);
    const row = one<Record<string, unknown>>(this.store.db, `SELECT *, ${rateFromPercent('completion_rate')} AS rate FROM skill_metrics WHERE skill_name = ?`, [name]);
    if (!row) return undefined;
    return {
      skill_name: String(row.skill_name),
      total_invocations: Number(row.total_invocations),
      completed_invocations: Number(row.completed_invocations),
      abandoned_invocations: Number(row.abandoned_invocations),
      completion_rate: Number(row.rate),
      avg_duration_seconds: this.meanDurationOf(name),
      total_duration_seconds: Number(row.total_duration_seconds),
      first_invoked: row.first_invoked as string | null,
      last_invoked: row.last_invoked as string | null,
      workflow_paths: parseCounts(row.workflow_paths),
      common_errors: parseCounts(row.common_errors),
      follow_up_actions: parseCounts(row.follow_up_actions),
    };
  }

  getSessionSummary(sessionId: string): SessionSummary {
    const id = requireName('sessionId', sessionId);
    const session = this.sessionRow(id);
    const stats = one<Omit<SessionSummary, 'user_id' | 'started_at' | 'ended_at'>>(this.store.db, 'SELECT * FROM v_session_skill_summary WHERE session_id = ?', [id]);
    if (!session && !stats) throw new UnknownSessionError(id);
    return {
      session_id: id,
      user_id: session?.user_id ?? null,
      started_at: session?.started_at ?? null,
      ended_at: session?.ended_at ?? null,
      unique_skills: stats?.unique_skills ?? 0,
      total_invocations: stats?.total_invocations ?? 0,
      completed_count: stats?.completed_count ?? 0,
      abandoned_count: stats?.abandoned_count ?? 0,
      total_duration_seconds: stats?.total_duration_seconds ?? 0,
      first_skill_at: stats?.first_skill_at ?? null,
      last_skill_at: stats?.last_skill_at ?? null,
    };
  }

  /** The most-run skills, from the counters alone (what a skill picker shows). */
  getSkillCounts(limit = 10): SkillCount[] {
    const n = positiveInteger('limit', limit, 10, 1000);
    return all<SkillCount>(
      this.store.db,
      `SELECT skill_name, total_invocations, ${rateFromPercent('completion_rate')} AS completion_rate, last_invoked
       FROM skill_metrics WHERE total_invocations > 0 ORDER BY total_invocations DESC, skill_name LIMIT ?`,
      [n],
    );
  }

  /**
   * The most-run skills with their mean duration, which has to read each skill's runs (the counters
   * do not know which runs recorded a duration): use getSkillCounts where the mean is not shown.
   */
  getTopSkills(limit = 10): TopSkill[] {
    return this.getSkillCounts(limit).map((s) => ({
      ...s,
      avg_duration_seconds: this.meanDurationOf(s.skill_name),
    }));
  }

  private meanDurationOf(skillName: string): number | null {
    return one<{ mean: number | null }>(this.store.db, `SELECT ${meanDuration()} AS mean FROM skill_invocation WHERE skill_name = ?`, [skillName])?.mean ?? null;
  }

  private async record(prepared: readonly { row: InvocationRow; userId: string }[]): Promise<number[]> {
    const events: Extract<StoreEvent, { t: 'invocation' }>[] = [];
    for (const { row, userId } of prepared) events.push({ t: 'invocation', row: { ...row, id: await this.store.nextId() }, user_id: userId });
    await this.store.commit(events);
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

  private sessionRow(id: string): { user_id: string; started_at: string; ended_at: string | null; source: string | null } | undefined {
    return one(this.store.db, 'SELECT user_id, started_at, ended_at, source FROM skill_sessions WHERE session_id = ?', [id]);
  }

  /**
   * Whose a known session is; a session known only from its invocations (imported from the Python
   * tool) belongs to this tracker's user, with no known source. Unknown sessions are refused.
   */
  private sessionOwner(id: string): SessionOwner {
    const known = this.sessionOwners.get(id);
    if (known !== undefined) return known;
    const session = this.sessionRow(id);
    if (session) {
      if (this.sessionOwners.size >= SESSION_CACHE_SIZE) this.sessionOwners.clear();
      const owner = { userId: session.user_id, source: sourceOfSession(session.source) };
      this.sessionOwners.set(id, owner);
      return owner;
    }
    if (one(this.store.db, 'SELECT 1 AS x FROM skill_invocation WHERE session_id = ? LIMIT 1', [id])) return { userId: this.defaultUserId, source: null };
    throw new UnknownSessionError(id);
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

function parseCounts(value: unknown): Record<string, number> {
  try {
    const parsed = JSON.parse(String(value ?? '{}')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}
