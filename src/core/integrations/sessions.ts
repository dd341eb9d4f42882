import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import type { SkillTracker } from '../tracking/tracker';

/** Creates the session under a caller-chosen id the first time it is used (a pipeline build, a day). */
export async function ensureSession(store: Store, tracker: SkillTracker, sessionId: string, source: string): Promise<string> {
  if (!one(store.db, 'SELECT 1 AS x FROM skill_sessions WHERE session_id = ?', [sessionId])) {
    await tracker.createSession({ sessionId, source });
  }
  return sessionId;
}

/** One session per UTC day and source (`crackerjack-2026-11-25`), as the CLI groups its own runs. */
export function dailySessionId(prefix: string, now: Date = new Date()): string {
  return `${prefix}-${now.toISOString().slice(0, 10)}`;
}
