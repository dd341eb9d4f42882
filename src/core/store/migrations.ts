import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDatabase } from './sqlDatabase';
import { nowTimestamp } from '../time';

export interface MigrationFile {
  version: string;
  number: number;
  description: string;
  upPath: string;
  downPath: string;
  checksum: string;
}

export interface AppliedMigration {
  version: string;
  number: number;
  applied_at: string;
  description: string | null;
  checksum: string | null;
  applied_by: string | null;
}

export interface MigrationStatus {
  current_version: string | null;
  applied: AppliedMigration[];
  pending: { version: string; description: string }[];
}

export interface MigrationResult {
  dryRun: boolean;
  versions: string[];
}

export class MigrationError extends Error {}

/** The database was written by a newer Session Buddy: it is only read, never changed. */
export class NewerDatabaseError extends MigrationError {
  constructor(file: string, newer: string, known: string | undefined) {
    super(`${file} was written by a newer Session Buddy (schema ${newer}; this version knows up to ${known ?? 'none'}): it is open read-only, nothing is recorded`);
  }
}

const FILE = /^V(\d+)__([A-Za-z0-9_]+?)__up\.sql$/;
const VERSION = /^V(\d+)__/;

export function versionNumber(version: string): number {
  const match = VERSION.exec(version);
  if (!match) throw new MigrationError(`"${version}" is not a migration version (expected V<number>__<name>)`);
  return Number(match[1]);
}

function describe(name: string): string {
  return name.split('_').filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
}

export function defaultMigrationsDir(): string {
  const candidates = [path.join(__dirname, '..', 'migrations'), path.join(__dirname, '..', '..', '..', 'migrations')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'V1__initial_schema__up.sql')));
  if (!found) throw new MigrationError(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Migration files in a folder, ordered by their number (V10 after V9), each with its checksum. */
export function discoverMigrations(dir: string): MigrationFile[] {
  const files = fs.readdirSync(dir).flatMap((name) => {
    const match = FILE.exec(name);
    if (!match) return [];
    const version = name.slice(0, -'__up.sql'.length);
    const upPath = path.join(dir, name);
    const downPath = path.join(dir, `${version}__down.sql`);
    const checksum = crypto.createHash('sha256').update(fs.readFileSync(upPath)).digest('hex');
    return [{ version, number: Number(match[1]), description: describe(match[2]), upPath, downPath, checksum }];
  });
  files.sort((a, b) => a.number - b.number);
  for (let i = 1; i < files.length; i++) {
    if (files[i].number === files[i - 1].number) {
      throw new MigrationError(`two migrations share number ${files[i].number}: ${files[i - 1].version} and ${files[i].version}`);
    }
  }
  return files;
}

const ENSURE_TABLE = `CREATE TABLE IF NOT EXISTS skill_migrations (
    version TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL,
    description TEXT,
    rollback_sql TEXT,
    checksum TEXT,
    applied_by TEXT DEFAULT 'session-buddy',
    success BOOLEAN NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS idx_migrations_applied_at ON skill_migrations(applied_at DESC);`;

/**
 * Applies and reverts the numbered migrations on an open database. Each migration runs in one
 * transaction together with its bookkeeping row, so a failure leaves version and schema as they were.
 * Versions are compared by number only: "V3__add_workflow_correlation" written by the Python tool is
 * the same migration as ours.
 */
export class MigrationManager {
  readonly files: MigrationFile[];

  constructor(private readonly db: SqlDatabase, migrationsDir: string = defaultMigrationsDir()) {
    this.files = discoverMigrations(migrationsDir);
  }

  applied(): AppliedMigration[] {
    if (!this.hasTable()) return [];
    const rows = this.db.exec('SELECT version, applied_at, description, checksum, applied_by FROM skill_migrations WHERE success = 1');
    const list = (rows[0]?.values ?? []).flatMap(([version, applied_at, description, checksum, applied_by]) => {
      const v = String(version);
      if (!VERSION.test(v)) return [];
      return [{ version: v, number: versionNumber(v), applied_at: String(applied_at), description: description as string | null, checksum: checksum as string | null, applied_by: applied_by as string | null }];
    });
    return list.sort((a, b) => a.number - b.number);
  }

  status(): MigrationStatus {
    const applied = this.applied();
    const done = new Set(applied.map((m) => m.number));
    return {
      current_version: applied.length ? applied[applied.length - 1].version : null,
      applied,
      pending: this.files.filter((f) => !done.has(f.number)).map((f) => ({ version: f.version, description: f.description })),
    };
  }

  pendingCount(): number {
    return this.status().pending.length;
  }

  /** The newest applied version when a newer Session Buddy than this one wrote the database. */
  newerVersion(): string | undefined {
    const known = this.files.at(-1)?.number ?? 0;
    return this.applied().filter((m) => m.number > known).at(-1)?.version;
  }

  /** The newest version this build knows. */
  latestKnown(): string | undefined {
    return this.files.at(-1)?.version;
  }

  /** Applies pending migrations in order, up to and including `target` (a version or its number). */
  migrate(options: { target?: string; dryRun?: boolean } = {}): MigrationResult {
    const newer = this.newerVersion();
    if (newer) throw new MigrationError(`the database was written by a newer Session Buddy (${newer}); this version knows up to ${this.latestKnown()}`);
    const limit = options.target === undefined ? Infinity : this.targetNumber(options.target);
    const done = new Set(this.applied().map((m) => m.number));
    const todo = this.files.filter((f) => !done.has(f.number) && f.number <= limit);
    const gap = todo.find((f) => this.files.some((g) => g.number < f.number && !done.has(g.number) && !todo.includes(g)));
    if (gap) throw new MigrationError(`cannot apply ${gap.version}: an earlier migration is missing`);
    if (options.dryRun) return { dryRun: true, versions: todo.map((f) => f.version) };
    this.db.exec(ENSURE_TABLE);
    for (const file of todo) this.apply(file);
    return { dryRun: false, versions: todo.map((f) => f.version) };
  }

  /** Reverts the newest `steps` applied migrations, newest first. */
  rollback(options: { steps?: number; dryRun?: boolean } = {}): MigrationResult {
    const steps = options.steps ?? 1;
    if (!Number.isInteger(steps) || steps < 1) throw new MigrationError(`steps must be a positive integer, got ${steps}`);
    const applied = this.applied();
    const chosen = applied.slice(-steps).reverse();
    const missing = chosen.find((m) => !this.fileFor(m.number));
    if (missing) throw new MigrationError(`no down migration for ${missing.version} in the migrations folder`);
    if (options.dryRun) return { dryRun: true, versions: chosen.map((m) => m.version) };
    for (const migration of chosen) this.revert(migration, this.fileFor(migration.number)!);
    return { dryRun: false, versions: chosen.map((m) => m.version) };
  }

  /** Problems with the applied migrations: missing files, changed files, unknown versions. */
  validate(): string[] {
    const problems: string[] = [];
    for (const m of this.applied()) {
      const file = this.fileFor(m.number);
      if (!file) problems.push(`${m.version}: applied, but no migration file has number ${m.number}`);
      else if (!fs.existsSync(file.downPath)) problems.push(`${m.version}: ${path.basename(file.downPath)} is missing, so it cannot be rolled back`);
      else if (m.checksum && m.checksum !== file.checksum) {
        problems.push(`${m.version}: ${path.basename(file.upPath)} changed since it was applied (checksum ${m.checksum.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… now)`);
      }
    }
    return problems;
  }

  private targetNumber(target: string): number {
    const short = /^V?(\d+)$/i.exec(target);
    const number = short ? Number(short[1]) : versionNumber(target);
    if (!this.files.some((f) => f.number === number)) throw new MigrationError(`unknown target version "${target}"`);
    return number;
  }

  private fileFor(number: number): MigrationFile | undefined {
    return this.files.find((f) => f.number === number);
  }

  private hasTable(): boolean {
    return this.db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'skill_migrations'").length > 0;
  }

  private apply(file: MigrationFile): void {
    const sql = fs.readFileSync(file.upPath, 'utf8');
    this.inTransaction(`Migration ${file.version} failed`, () => {
      this.db.exec(sql);
      this.db.run(
        `INSERT INTO skill_migrations (version, applied_at, description, checksum, applied_by, success)
         VALUES (?, ?, ?, ?, 'session-buddy', 1)`,
        [file.version, nowTimestamp(), file.description, file.checksum],
      );
    });
  }

  private revert(applied: AppliedMigration, file: MigrationFile): void {
    if (!fs.existsSync(file.downPath)) throw new MigrationError(`no down migration for ${applied.version}`);
    const sql = fs.readFileSync(file.downPath, 'utf8');
    this.inTransaction(`Rollback of ${applied.version} failed`, () => {
      this.db.exec(sql);
      this.db.run('DELETE FROM skill_migrations WHERE version = ?', [applied.version]);
    });
  }

  private inTransaction(what: string, work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (err) {
      // sql.js leaves a failed script's transaction open; roll it back explicitly.
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // no transaction left to roll back
      }
      throw new MigrationError(`${what}: ${(err as Error).message}`);
    }
  }
}
