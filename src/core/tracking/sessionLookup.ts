import { one } from '../store/statements';
import { saltAt, saltedHash } from '../store/storeSalt';
import type { Store } from '../store/storeInterface';
import { projectHashOf } from './project';

/** A session as skill_sessions holds it. */
export interface SessionRecord {
  user_id: string;
  started_at: string;
  ended_at: string | null;
  source: string | null;
}

/** What a recorder must know about sessions it did not start itself, and how projects are hashed. */
export interface SessionLookup {
  session(id: string): SessionRecord | undefined;
  /** Whether runs are recorded under the session without a session row (imported from the Python tool). */
  hasRuns(id: string): boolean;
  /** The project's hash under the store's salt (only the hash is ever stored). */
  projectHash(projectPath: string): string;
}

export function sessionRow(store: Store, id: string): SessionRecord | undefined {
  return one(store.db, 'SELECT user_id, started_at, ended_at, source FROM skill_sessions WHERE session_id = ?', [id]);
}

/** The lookup of a process that has the store open: it reads the tables. */
export function storeSessions(store: Store): SessionLookup {
  return {
    session: (id) => sessionRow(store, id),
    hasRuns: (id) => one(store.db, 'SELECT 1 AS x FROM skill_invocation WHERE session_id = ? LIMIT 1', [id]) !== undefined,
    projectHash: (projectPath) => projectHashOf(store, projectPath),
  };
}

/** What the store host said about a session, for a process that records without opening the store. */
export interface SessionAnswer {
  session: SessionRecord | null;
  hasRuns: boolean;
}

/**
 * The lookup of a process that records without the store: it knows the sessions it was told about
 * (by the store host, asked before recording) and hashes projects with the salt file beside the
 * database, as every process on the store does.
 */
export class KnownSessions implements SessionLookup {
  private readonly known = new Map<string, SessionAnswer>();

  constructor(private readonly saltFile: string) {}

  add(id: string, answer: SessionAnswer): void {
    this.known.set(id, answer);
  }

  /** Every run was deleted: what the host told of sessions no longer holds. */
  forget(): void {
    this.known.clear();
  }

  /** Whether the host told of the session as one that exists (an unknown one is asked about again). */
  knows(id: string): boolean {
    const answer = this.known.get(id);
    return answer !== undefined && (answer.session !== null || answer.hasRuns);
  }

  session(id: string): SessionRecord | undefined {
    return this.known.get(id)?.session ?? undefined;
  }

  hasRuns(id: string): boolean {
    return this.known.get(id)?.hasRuns ?? false;
  }

  projectHash(projectPath: string): string {
    return saltedHash(saltAt(this.saltFile), projectPath).slice(0, 32);
  }
}
