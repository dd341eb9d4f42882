import crypto from 'node:crypto';
import type { InvocationRow } from '../store/events';
import { all, one } from '../store/statements';
import type { SkillStore } from '../store/store';
import { saltedHash, storeSalt } from '../store/storeSalt';
import { meanDuration, rateFromPercent } from '../measures';
import { nowTimestamp } from '../time';
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

export interface TopSkill {
  skill_name: string;
  total_invocations: number;
  completion_rate: number;
  avg_duration_seconds: number | null;
  last_invoked: string | null;
}

/** Sessions whose user is remembered; a session's user never changes, only "delete all data" forgets it. */
const SESSION_CACHE_SIZE = 1000;

/** The V3 tracking API on top of the durable store. */
export class SkillTracker {
  private readonly sessionUsers = new Map<string, string>();

  constructor(private readonly store: SkillStore, private readonly defaultUserId: string) {
    store.onDidApply((events) => {
      if (events.some((e) => e.t === 'purge')) this.sessionUsers.clear();
    });
  }

  async createSession(input: CreateSessionInput = {}): Promise<string> {
    const userId = input.userId === undefined ? this.defaultUserId : requireName('userId', input.userId);
    const projectPath = optionalText('projectPath', input.projectPath, LIMITS.text);
    const source = optionalText('source', input.source, 64);
    const sessionId = input.sessionId === undefined ? crypto.randomBytes(12).toString('base64url') : requireName('sessionId', input.sessionId);
    const projectHash = projectPath ? saltedHash(storeSalt(this.store), projectPath).slice(0, 32) : null;
    await this.store.commit([
      { t: 'session_start', session: { session_id: sessionId, user_id: userId, project_hash: projectHash, source, started_at: nowTimestamp() } },
    ]);
    return sessionId;
  }

  async endSession(sessionId: string): Promise<void> {
    this.sessionUser(sessionId);
    await this.store.commit([{ t: 'session_end', session_id: sessionId, ended_at: nowTimestamp() }]);
  }

  async trackInvocation(input: InvocationInput): Promise<number> {
    const { row, userId } = this.toRow(input);
    return this.record(row, userId);
  }

  /** Starts an invocation now: its time and the clock of its duration start here; `complete` records it once. */
  startInvocation(input: Omit<InvocationInput, 'completed' | 'durationSeconds' | 'invokedAt'>, clock?: RunClock): PendingRun {
    const { row: base, userId } = this.toRow({ ...input, completed: false });
    return startPendingRun(base.skill_name, (run) => {
      const row: InvocationRow = {
        ...base,
        invoked_at: run.invokedAt,
        completed: run.completed ? 1 : 0,
        duration_seconds: optionalDuration('durationSeconds', run.durationSeconds),
        error_type: optionalText('errorType', run.outcome.errorType) ?? base.error_type,
        follow_up_actions: optionalList('followUpActions', run.outcome.followUpActions) ?? base.follow_up_actions,
      };
      return this.record(row, userId);
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
      avg_duration_seconds: one<{ mean: number | null }>(this.store.db, `SELECT ${meanDuration()} AS mean FROM skill_invocation WHERE skill_name = ?`, [name])?.mean ?? null,
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

  getTopSkills(limit = 10): TopSkill[] {
    const n = positiveInteger('limit', limit, 10, 1000);
    return all<TopSkill>(
      this.store.db,
      `SELECT m.skill_name, m.total_invocations, ${rateFromPercent('m.completion_rate')} AS completion_rate,
              (SELECT ${meanDuration('i')} FROM skill_invocation i WHERE i.skill_name = m.skill_name) AS avg_duration_seconds, m.last_invoked
       FROM skill_metrics m WHERE m.total_invocations > 0 ORDER BY m.total_invocations DESC, m.skill_name LIMIT ?`,
      [n],
    );
  }

  private async record(row: InvocationRow, userId: string): Promise<number> {
    const id = await this.store.nextId();
    await this.store.commit([{ t: 'invocation', row: { ...row, id }, user_id: userId }]);
    return id;
  }

  /** The validated row, and the user whose session it belongs to. */
  private toRow(input: InvocationInput): { row: InvocationRow; userId: string } {
    if (!input || typeof input !== 'object') throw new ValidationError('invocation', 'must be an object');
    const sessionId = requireName('sessionId', input.sessionId);
    const userId = this.sessionUser(sessionId);
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
    };
    return { row, userId };
  }

  private sessionRow(id: string): { user_id: string; started_at: string; ended_at: string | null } | undefined {
    return one(this.store.db, 'SELECT user_id, started_at, ended_at FROM skill_sessions WHERE session_id = ?', [id]);
  }

  /**
   * The user a known session belongs to; a session known only from its invocations (imported from
   * the Python tool) belongs to this tracker's user. Unknown sessions are refused.
   */
  private sessionUser(id: string): string {
    const known = this.sessionUsers.get(id);
    if (known !== undefined) return known;
    const session = this.sessionRow(id);
    if (session) {
      if (this.sessionUsers.size >= SESSION_CACHE_SIZE) this.sessionUsers.clear();
      this.sessionUsers.set(id, session.user_id);
      return session.user_id;
    }
    if (one(this.store.db, 'SELECT 1 AS x FROM skill_invocation WHERE session_id = ? LIMIT 1', [id])) return this.defaultUserId;
    throw new UnknownSessionError(id);
  }
}

function parseCounts(value: unknown): Record<string, number> {
  try {
    const parsed = JSON.parse(String(value ?? '{}')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}
