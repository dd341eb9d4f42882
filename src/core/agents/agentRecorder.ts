import { one } from '../store/statements';
import type { Disposable, Store } from '../store/storeInterface';
import { saltedHash, storeSalt } from '../store/storeSalt';
import { AGENT_SESSION_SOURCE } from '../tracking/invocationSource';
import type { InvocationInput, RunRecorder } from '../tracking/runRecorder';
import type { AgentToolRun } from './agentMapping';

/**
 * Where agents' runs are recorded: a store held here (the CLI's `serve`, a window without the store
 * host), or a window's own log beside the store host.
 */
export interface AgentRecordingTarget {
  readonly recorder: Pick<RunRecorder, 'trackInvocations' | 'createSession'>;
  /** The store's salt: an agent's ids are kept only as hashes under it. */
  salt(): string;
  /** Whether the session exists in the store (a recorder without the store knows it from then on). */
  sessionExists(sessionId: string): Promise<boolean>;
  /** Hears that every run was deleted (sessions known to exist are then forgotten). */
  onDidPurge(listener: () => void): Disposable;
}

/** The target of a process that holds the store. */
export function storeRecordingTarget(store: Store, recorder: AgentRecordingTarget['recorder']): AgentRecordingTarget {
  return {
    recorder,
    salt: () => storeSalt(store),
    sessionExists: async (sessionId) => one(store.db, 'SELECT 1 AS x FROM skill_sessions WHERE session_id = ?', [sessionId]) !== undefined,
    onDidPurge: (listener) => store.onDidApply((events) => {
      if (events.some((e) => e.t === 'purge')) listener();
    }),
  };
}

/** Agent sessions known to exist; cleared past this size (a lookup re-finds them). */
const SESSION_CACHE_SIZE = 1000;

/**
 * Records agent tool runs as invocations with the source `agent`. The agent's session id becomes a
 * session of its own (`agent-` and a salted hash, so the store never holds the agent's id), and each
 * record's identity becomes its record_key (a salted hash): a batch an exporter sends again, or the
 * span and the log event of the same call, insert one row.
 */
export class AgentRunRecorder {
  /** The agent's session id → its session here, for the sessions known to exist (in memory only). */
  private readonly knownSessions = new Map<string, string>();

  constructor(private readonly target: AgentRecordingTarget) {
    target.onDidPurge(() => this.knownSessions.clear());
  }

  /** Records the runs in one commit; those already recorded (by record key) are left out by the store. */
  async record(runs: readonly AgentToolRun[]): Promise<void> {
    if (runs.length === 0) return;
    const salt = this.target.salt();
    const inputs: InvocationInput[] = [];
    for (const run of runs) {
      const sessionId = await this.sessionOf(run.agentSessionId, salt);
      inputs.push({
        sessionId,
        skillName: run.skillName,
        invokedAt: run.invokedAt,
        completed: run.completed,
        durationSeconds: run.durationSeconds ?? undefined,
        source: 'agent',
        recordKey: saltedHash(salt, `agent-record\0${run.identity}`).slice(0, 32),
      });
    }
    await this.target.recorder.trackInvocations(inputs);
  }

  /** The session of an agent's session id, created on its first run. */
  private async sessionOf(agentSessionId: string, salt: string): Promise<string> {
    const known = this.knownSessions.get(agentSessionId);
    if (known) return known;
    const sessionId = `agent-${saltedHash(salt, `agent-session\0${agentSessionId}`).slice(0, 24)}`;
    if (!(await this.target.sessionExists(sessionId))) await this.target.recorder.createSession({ sessionId, source: AGENT_SESSION_SOURCE });
    if (this.knownSessions.size >= SESSION_CACHE_SIZE) this.knownSessions.clear();
    this.knownSessions.set(agentSessionId, sessionId);
    return sessionId;
  }
}
