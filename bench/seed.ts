import fs from 'node:fs';
import path from 'node:path';
import { openDatabaseBytes } from '../src/core/store/engine';
import { applyEvents, type InvocationRow, type StoreEvent } from '../src/core/store/events';
import { MigrationManager } from '../src/core/store/migrations';
import { writeSnapshotAtomic } from '../src/core/store/snapshotFile';
import { seededRandom as prng } from '../src/core/analytics/seededRandom';

export const SKILLS = Array.from({ length: 40 }, (_, i) => `skill-${String(i).padStart(2, '0')}`);

/**
 * Writes a snapshot holding `invocations` rows spread over `days` up to now, across `users` users
 * and sessions of ~20 invocations, with skewed skill popularity: the data the benchmarks run on.
 * Rows are applied as the store applies tracked events (counters, user interactions, hourly
 * series), in groups of 5,000.
 */
export async function seedStore(file: string, options: { invocations: number; users?: number; days?: number; migrationsDir: string; seed?: number }): Promise<void> {
  const db = await openDatabaseBytes();
  new MigrationManager(db, options.migrationsDir).migrate();
  for (const group of seedEvents(options)) applyEvents(db, group);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeSnapshotAtomic(file, db.export());
  db.close();
}

/** The seed data as store events, in groups of 5,000 invocations (with their sessions). */
export function* seedEvents(options: { invocations: number; users?: number; days?: number; seed?: number; firstId?: number }): Generator<StoreEvent[]> {
  const { invocations, users = 10, days = 30, firstId = 1 } = options;
  const random = prng(options.seed ?? 42);
  const now = Date.now();
  const span = days * 86_400_000;
  const phases = ['setup', 'execution', 'verification', null];
  let group: StoreEvent[] = [];
  for (let i = 0; i < invocations; i++) {
    const at = new Date(now - span + (span * i) / invocations).toISOString();
    const sessionId = `s${Math.floor(i / 20)}`;
    const user = `user-${Math.floor(i / 20) % users}`;
    if (i % 20 === 0) group.push({ t: 'session_start', session: { session_id: sessionId, user_id: user, project_hash: null, source: 'bench', started_at: at } });
    const row: InvocationRow = {
      id: firstId + i,
      skill_name: SKILLS[Math.floor(random() ** 2 * SKILLS.length)],
      invoked_at: at,
      session_id: sessionId,
      workflow_path: null,
      completed: random() < 0.85 ? 1 : 0,
      duration_seconds: Math.round(random() * 3000) / 100,
      user_query: null,
      alternatives_considered: null,
      selection_rank: null,
      follow_up_actions: null,
      error_type: null,
      workflow_phase: phases[i % 4],
      workflow_step_id: null,
    };
    group.push({ t: 'invocation', row, user_id: user });
    if (group.length >= 5000) {
      yield group;
      group = [];
    }
  }
  if (group.length) yield group;
}
