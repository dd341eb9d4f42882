import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InvocationRow, StoreEvent } from '../../src/core/store/events';
import { FileStore } from '../../src/core/store/fileStore';
import { SkillStore, type StoreOptions } from '../../src/core/store/store';
import type { Store } from '../../src/core/store/storeInterface';
import { SkillTracker } from '../../src/core/tracking/tracker';

/** A fresh folder under the OS temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'sb-test-'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `<dir>/<folder>/skills.db`, with the folder created (a store is only created in an existing folder). */
export function dbIn(dir: string, folder: string): string {
  fs.mkdirSync(path.join(dir, folder), { recursive: true });
  return path.join(dir, folder, 'skills.db');
}

/**
 * Which store the tests open for work: sql.js's in-memory copy (SkillStore), or with
 * SESSION_BUDDY_TEST_ENGINE=file the file-backed one (FileStore, node:sqlite; `npm test` runs the
 * store and analytics tests both ways, the second under a Node that has node:sqlite).
 */
export const TEST_ENGINE: 'sqljs' | 'file' = process.env.SESSION_BUDDY_TEST_ENGINE === 'file' ? 'file' : 'sqljs';

/** Opens a store the way the tests' engine does (a store opened only to read is always SkillStore). */
export function openStore(options: StoreOptions = {}): Promise<Store> {
  if (TEST_ENGINE === 'file' && (options.mode ?? 'work') === 'work') return FileStore.open(options);
  return SkillStore.open(options);
}

/** Opens a store on a new database file in a temp folder; `close()` also removes the folder. */
export async function tempStore(options: StoreOptions = {}): Promise<{ store: Store; dbPath: string; close(): Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const dbPath = path.join(dir, 'skills.db');
  const store = await openStore({ path: dbPath, pollMs: 0, ...options });
  return {
    store,
    dbPath,
    async close() {
      await store.close({ snapshot: false });
      cleanup();
    },
  };
}

export interface PlantedInvocation {
  skill: string;
  at: Date | string;
  session?: string;
  user?: string;
  completed?: boolean;
  duration?: number | null;
  phase?: string | null;
  error?: string | null;
  /** The place in the Recommendations list it was chosen at, when it was. */
  rank?: number;
}

/**
 * Writes invocations (and their sessions) through the store's own event path, with explicit
 * timestamps, so tests can plant a known truth at known times.
 */
export async function plant(store: Store, invocations: PlantedInvocation[]): Promise<void> {
  const sessions = new Map<string, { user: string; at: string }>();
  const events: StoreEvent[] = [];
  for (const inv of invocations) {
    const at = typeof inv.at === 'string' ? inv.at : inv.at.toISOString();
    const session = inv.session ?? 'planted-session';
    const user = inv.user ?? 'planted-user';
    const known = sessions.get(session);
    if (!known || at < known.at) sessions.set(session, { user, at });
    const row: InvocationRow = {
      id: await store.nextId(),
      skill_name: inv.skill,
      invoked_at: at,
      session_id: session,
      workflow_path: null,
      completed: inv.completed === false ? 0 : 1,
      duration_seconds: inv.duration === undefined ? 1 : inv.duration,
      user_query: null,
      alternatives_considered: null,
      selection_rank: inv.rank ?? null,
      follow_up_actions: null,
      error_type: inv.error ?? null,
      workflow_phase: inv.phase ?? null,
      workflow_step_id: null,
    };
    events.push({ t: 'invocation', row, user_id: user });
  }
  const starts: StoreEvent[] = [...sessions].map(([session_id, s]) => ({
    t: 'session_start',
    session: { session_id, user_id: s.user, project_hash: null, source: 'test', started_at: s.at },
  }));
  for (let i = 0; i < events.length; i += 5000) await store.commit([...(i === 0 ? starts : []), ...events.slice(i, i + 5000)]);
}

export interface PlantedAnomaly {
  id: number;
  skill: string;
  /** When it was detected. */
  at: string;
  type?: 'drop' | 'spike' | 'pattern_shift';
  baseline?: number;
  observed?: number;
  /** Resolved at this time; open without it. */
  resolvedAt?: string;
}

/** Stored anomalies (skill_anomalies rows), as detection writes them. */
export async function plantAnomalies(store: Store, anomalies: PlantedAnomaly[]): Promise<void> {
  const rows = anomalies.map((a) => ({
    id: a.id,
    skill_name: a.skill,
    detected_at: a.at,
    anomaly_type: a.type ?? 'drop',
    baseline_value: a.baseline ?? 0.9,
    observed_value: a.observed ?? 0.4,
    deviation_score: (a.type ?? 'drop') === 'drop' ? -3 : 4,
    resolved_at: a.resolvedAt ?? null,
  }));
  await store.commit([{ t: 'upsert', table: 'skill_anomalies', key: ['id'], rows }]);
}

/** Minutes/hours/days before now, as Dates. */
export const ago = {
  minutes: (n: number) => new Date(Date.now() - n * 60_000),
  hours: (n: number) => new Date(Date.now() - n * 3_600_000),
  days: (n: number) => new Date(Date.now() - n * 86_400_000),
};

/** A store with one session of each source an invocation can have: the agent's, the editor's, the CLI's, and an import's (none). */
export async function storeWithSourcedSessions(): Promise<{ env: Awaited<ReturnType<typeof tempStore>>; tracker: SkillTracker; sessions: Record<'agent' | 'editor' | 'cli' | 'imported', string> }> {
  const env = await tempStore();
  const tracker = new SkillTracker(env.store, 'dev');
  const sessions = {
    agent: await tracker.createSession({ source: 'agent' }),
    editor: await tracker.createSession({ source: 'vscode' }),
    cli: await tracker.createSession({ source: 'cli' }),
    imported: await tracker.createSession({ source: 'session-buddy-import' }),
  };
  return { env, tracker, sessions };
}
