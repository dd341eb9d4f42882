import fs from 'node:fs';
import path from 'node:path';
import { openDatabaseBytes } from '../src/core/store/engine';
import { MigrationManager } from '../src/core/store/migrations';
import { writeSnapshotAtomic } from '../src/core/store/snapshotFile';
import { seededRandom as prng } from '../src/core/analytics/seededRandom';

export const SKILLS = Array.from({ length: 40 }, (_, i) => `skill-${String(i).padStart(2, '0')}`);

/**
 * Writes a snapshot holding `invocations` rows spread over `days` up to now, across `users` users
 * and sessions of ~20 invocations, with skewed skill popularity: the data the benchmarks run on.
 * Rows go through the schema's triggers, as tracked ones do.
 */
export async function seedStore(file: string, options: { invocations: number; users?: number; days?: number; migrationsDir: string; seed?: number }): Promise<void> {
  const { invocations, users = 10, days = 30 } = options;
  const random = prng(options.seed ?? 42);
  const db = await openDatabaseBytes();
  new MigrationManager(db, options.migrationsDir).migrate();
  const now = Date.now();
  const span = days * 86_400_000;
  const insert = db.prepare(`INSERT INTO skill_invocation (id, skill_name, invoked_at, session_id, completed, duration_seconds, workflow_phase)
                             VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const interaction = db.prepare('INSERT INTO skill_user_interactions (user_id, session_id, skill_name, invoked_at, completed) VALUES (?, ?, ?, ?, ?)');
  const session = db.prepare('INSERT OR IGNORE INTO skill_sessions (session_id, user_id, started_at, source) VALUES (?, ?, ?, ?)');
  const phases = ['setup', 'execution', 'verification', null];
  db.exec('BEGIN');
  for (let i = 0; i < invocations; i++) {
    const at = new Date(now - span + (span * i) / invocations).toISOString();
    const sessionId = `s${Math.floor(i / 20)}`;
    const user = `user-${Math.floor(i / 20) % users}`;
    const skill = SKILLS[Math.floor(random() ** 2 * SKILLS.length)];
    const completed = random() < 0.85 ? 1 : 0;
    if (i % 20 === 0) session.run([sessionId, user, at, 'bench']);
    insert.run([i + 1, skill, at, sessionId, completed, Math.round(random() * 3000) / 100, phases[i % 4]]);
    interaction.run([user, sessionId, skill, at, completed]);
    if (i % 50_000 === 49_999) {
      db.exec('COMMIT');
      db.exec('BEGIN');
    }
  }
  db.exec('COMMIT');
  insert.free();
  interaction.free();
  session.free();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeSnapshotAtomic(file, db.export());
  db.close();
}
