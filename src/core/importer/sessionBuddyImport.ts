import fs from 'node:fs';
import type { Database, SqlValue } from 'sql.js';
import { openDatabaseBytes } from '../store/engine';
import type { InvocationRow, StoreEvent } from '../store/events';
import { one } from '../store/statements';
import type { SkillStore } from '../store/store';
import { applyWal } from '../store/walFile';
import { parseTimestamp } from '../time';

export interface ImportResult {
  added: number;
  skipped: number;
  /** Rows whose timestamp or skill name could not be read. */
  invalid: number;
  sessions: number;
  walFrames: number;
}

const BATCH = 2000;

/** Opens a Python session-buddy database read-only, folding in its -wal file when one is there. */
async function openSource(file: string): Promise<{ db: Database; walFrames: number }> {
  if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
  let bytes: Uint8Array = fs.readFileSync(file);
  let walFrames = 0;
  const walPath = `${file}-wal`;
  if (fs.existsSync(walPath)) {
    const folded = applyWal(bytes, fs.readFileSync(walPath));
    bytes = folded.bytes;
    walFrames = folded.frames;
  }
  try {
    return { db: await openDatabaseBytes(bytes), walFrames };
  } catch (err) {
    throw new Error(`${file} is not a readable SQLite database: ${(err as Error).message}`);
  }
}

function text(value: SqlValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

function num(value: SqlValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Copies sessions and invocations from a Python session-buddy database (any version V1-V4) into the
 * store. An invocation already present (same session, skill and time) is skipped, so running the
 * import twice adds nothing the second time. The source file is never written.
 */
export async function importSessionBuddy(store: SkillStore, file: string, userId: string): Promise<ImportResult> {
  const { db: source, walFrames } = await openSource(file);
  const result: ImportResult = { added: 0, skipped: 0, invalid: 0, sessions: 0, walFrames };
  try {
    if (source.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'skill_invocation'").length === 0) {
      throw new Error(`${file} has no skill_invocation table: not a session-buddy skills database`);
    }
    const columns = new Set((source.exec("SELECT name FROM pragma_table_info('skill_invocation')")[0]?.values ?? []).map((r) => String(r[0])));
    const pick = (row: Record<string, SqlValue>, name: string): SqlValue | undefined => (columns.has(name) ? row[name] : undefined);
    const stmt = source.prepare('SELECT * FROM skill_invocation ORDER BY invoked_at, id');
    const seen = new Set<string>();
    const sessionStarts = new Map<string, string>();
    let batch: InvocationRow[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const events: StoreEvent[] = [];
      for (const [sessionId, startedAt] of sessionStarts) {
        if (one(store.db, 'SELECT 1 AS x FROM skill_sessions WHERE session_id = ?', [sessionId])) continue;
        events.push({ t: 'session_start', session: { session_id: sessionId, user_id: userId, project_hash: null, source: 'session-buddy-import', started_at: startedAt } });
        result.sessions++;
      }
      sessionStarts.clear();
      for (const row of batch) events.push({ t: 'invocation', row: { ...row, id: await store.nextId() }, user_id: userId });
      await store.commit(events);
      batch = [];
    };
    try {
      while (stmt.step()) {
        const row = stmt.getAsObject();
        const skill = text(row.skill_name)?.trim();
        const session = text(row.session_id)?.trim() || 'migrated';
        let invokedAt: string;
        try {
          invokedAt = parseTimestamp(String(row.invoked_at ?? ''));
        } catch {
          result.invalid++;
          continue;
        }
        if (!skill) {
          result.invalid++;
          continue;
        }
        const key = `${session}\u0000${skill}\u0000${invokedAt}`;
        if (seen.has(key) || one(store.db, 'SELECT 1 AS x FROM skill_invocation WHERE skill_name = ? AND invoked_at = ? AND session_id = ?', [skill, invokedAt, session])) {
          result.skipped++;
          continue;
        }
        seen.add(key);
        if (!sessionStarts.has(session)) sessionStarts.set(session, invokedAt);
        batch.push({
          id: 0,
          skill_name: skill,
          invoked_at: invokedAt,
          session_id: session,
          workflow_path: text(pick(row, 'workflow_path')),
          completed: Number(pick(row, 'completed')) === 1 ? 1 : 0,
          duration_seconds: num(pick(row, 'duration_seconds')),
          user_query: text(pick(row, 'user_query')),
          alternatives_considered: text(pick(row, 'alternatives_considered')),
          selection_rank: num(pick(row, 'selection_rank')),
          follow_up_actions: text(pick(row, 'follow_up_actions')),
          error_type: text(pick(row, 'error_type')),
          workflow_phase: text(pick(row, 'workflow_phase')),
          workflow_step_id: text(pick(row, 'workflow_step_id')),
        });
        result.added++;
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    } finally {
      stmt.free();
    }
  } finally {
    source.close();
  }
  return result;
}
