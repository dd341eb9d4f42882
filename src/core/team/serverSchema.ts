/**
 * The team server's schema: numbered migrations in migrations/postgres (P<n>__<name>__up.sql and
 * __down.sql), applied in order by the owner, each in one transaction with its row in
 * session_buddy.schema_migrations, so a failure leaves version and schema as they were. Concurrent
 * `team init`s queue on an advisory lock. A client refuses a server schema newer than it knows:
 * its pushes could miss a column the server now expects.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from 'pg';
import { TeamError } from './connection';
import { maxOf } from '../collections';

export interface ServerMigration {
  number: number;
  name: string;
  upPath: string;
  downPath: string;
  checksum: string;
}

const FILE = /^P(\d+)__([A-Za-z0-9_]+?)__up\.sql$/;
const MIGRATE_LOCK = 'session_buddy.schema_migrations';

export function serverMigrationsDir(): string {
  // dist/cli.js and dist/extension.js sit one level below the package, a benchmark bundle two
  // (out/bench), this file three (src/core/team).
  const candidates = [1, 2, 3].map((up) => path.join(__dirname, ...Array<string>(up).fill('..'), 'migrations', 'postgres'));
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'P1__team_schema__up.sql')));
  if (!found) throw new TeamError(`team migrations not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function discoverServerMigrations(dir: string = serverMigrationsDir()): ServerMigration[] {
  const files = fs.readdirSync(dir).flatMap((file) => {
    const match = FILE.exec(file);
    if (!match) return [];
    const upPath = path.join(dir, file);
    const checksum = crypto.createHash('sha256').update(fs.readFileSync(upPath)).digest('hex');
    return [{ number: Number(match[1]), name: match[2], upPath, downPath: upPath.replace(/__up\.sql$/, '__down.sql'), checksum }];
  });
  return files.sort((a, b) => a.number - b.number);
}

export function versionName(number: number | undefined): string {
  return number === undefined ? 'none' : `P${number}`;
}

/** The applied version numbers, oldest first; empty when the server has no team schema yet. */
export async function appliedServerVersions(client: Client): Promise<number[]> {
  const exists = await client.query<{ present: boolean }>("SELECT to_regclass('session_buddy.schema_migrations') IS NOT NULL AS present");
  if (!exists.rows[0].present) return [];
  const rows = await client.query<{ version: number }>('SELECT version FROM session_buddy.schema_migrations ORDER BY version');
  return rows.rows.map((r) => r.version);
}

/** Refuses a server without the schema or with a newer one than `known`; returns the server's version. */
export async function checkServerSchema(client: Client, known: ServerMigration[] = discoverServerMigrations()): Promise<number> {
  const applied = await appliedServerVersions(client);
  const current = applied.at(-1);
  const latest = known.at(-1)?.number ?? 0;
  if (current === undefined) throw new TeamError('the team server has no Session Buddy schema yet (the owner runs session-buddy team init)');
  if (current > latest) {
    throw new TeamError(`the team server's schema is ${versionName(current)}, newer than this Session Buddy knows (${versionName(latest)}): update Session Buddy to share with this team`);
  }
  if (current < latest) throw new TeamError(`the team server's schema is ${versionName(current)}; the owner runs session-buddy team init to upgrade it to ${versionName(latest)}`);
  return current;
}

/** Applies the pending migrations in order; returns the versions applied (none when up to date). */
export async function migrateServer(client: Client, known: ServerMigration[] = discoverServerMigrations()): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATE_LOCK]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS session_buddy;
      CREATE TABLE IF NOT EXISTS session_buddy.schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(await appliedServerVersions(client));
    const newest = maxOf(done, 0);
    const latest = known.at(-1)?.number ?? 0;
    if (newest > latest) {
      throw new TeamError(`the team server's schema is ${versionName(newest)}, newer than this Session Buddy knows (${versionName(latest)}): update Session Buddy to manage this team`);
    }
    const applied: number[] = [];
    for (const migration of known.filter((m) => !done.has(m.number))) {
      await applyOne(client, migration);
      applied.push(migration.number);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATE_LOCK]).catch(() => undefined);
  }
}

async function applyOne(client: Client, migration: ServerMigration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(fs.readFileSync(migration.upPath, 'utf8'));
    await client.query('INSERT INTO session_buddy.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.number, migration.name, migration.checksum]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new TeamError(`team schema ${versionName(migration.number)} failed: ${(err as Error).message}`, false, { cause: err });
  }
}
