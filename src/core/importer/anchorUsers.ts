import type { SqlDatabase, SqlValue } from '../store/sqlDatabase';
import { saltedHash } from '../store/storeSalt';
import { parseTimestamp } from '../time';

/** Our anonymous ids: `anon-` and 16 hex digits (see tracking/identity.ts). */
const OWN_FORMAT = /^anon-[0-9a-f]{16}$/;

/**
 * The id an imported user gets: in the format of our own anonymous ids, hashed under the store's
 * salt, so a raw id from the Python tool (often a user name or an e-mail address) is never stored
 * nor can be checked against a guess, and the same raw id maps to the same user in every import
 * into this store. Ids already in our format are kept.
 */
export function importedUserId(raw: string, salt: string): string {
  const id = raw.trim();
  if (OWN_FORMAT.test(id)) return id;
  return `anon-${saltedHash(salt, id).slice(0, 16)}`;
}

/** One row of the anchor's skill_user_interactions, with the user already hashed. */
export interface AnchorInteraction {
  user_id: string;
  session_id: string;
  skill_name: string;
  invoked_at: string;
  completed: 0 | 1;
  rating: number | null;
  alternatives_considered: string | null;
}

/**
 * Who did what in a Python database: its skill_user_interactions name a user per session and skill
 * (V4; absent before). The user of a run is the one recorded for its session and skill, else the
 * session's most frequent user, else the importing user.
 */
export class AnchorUsers {
  private readonly bySessionSkill = new Map<string, string>();
  private readonly bySession = new Map<string, string>();
  readonly interactions: AnchorInteraction[] = [];
  invalid = 0;

  /** `salt`: the store's (storeSalt.ts), which the users are hashed under. */
  constructor(source: SqlDatabase, private readonly importingUser: string, salt: string) {
    if (source.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'skill_user_interactions'").length === 0) return;
    const stmt = source.prepare('SELECT user_id, session_id, skill_name, invoked_at, completed, rating, alternatives_considered FROM skill_user_interactions ORDER BY id');
    const counts = new Map<string, Map<string, number>>();
    try {
      while (stmt.step()) {
        const row = toInteraction(stmt.getAsObject(), salt);
        if (!row) {
          this.invalid++;
          continue;
        }
        this.interactions.push(row);
        tally(counts, `${row.session_id}\u0000${row.skill_name}`, row.user_id);
        tally(counts, row.session_id, row.user_id);
      }
    } finally {
      stmt.free();
    }
    for (const [key, users] of counts) (key.includes('\u0000') ? this.bySessionSkill : this.bySession).set(key, mostFrequent(users));
  }

  /** Distinct users the source names (hashed). */
  get users(): number {
    return new Set(this.interactions.map((i) => i.user_id)).size;
  }

  ofSession(session: string): string {
    return this.bySession.get(session) ?? this.importingUser;
  }

  ofRun(session: string, skill: string): string {
    return this.bySessionSkill.get(`${session}\u0000${skill}`) ?? this.ofSession(session);
  }
}

function toInteraction(row: Record<string, SqlValue>, salt: string): AnchorInteraction | undefined {
  const user = typeof row.user_id === 'string' ? row.user_id.trim() : '';
  const session = row.session_id === null || row.session_id === undefined ? '' : String(row.session_id).trim();
  const skill = typeof row.skill_name === 'string' ? row.skill_name.trim() : '';
  if (!user || !session || !skill) return undefined;
  let invokedAt: string;
  try {
    invokedAt = parseTimestamp(String(row.invoked_at ?? ''));
  } catch {
    return undefined;
  }
  const rating = typeof row.rating === 'number' && row.rating >= 1 && row.rating <= 5 ? row.rating : null;
  return {
    user_id: importedUserId(user, salt),
    session_id: session,
    skill_name: skill,
    invoked_at: invokedAt,
    completed: Number(row.completed) === 1 ? 1 : 0,
    rating,
    alternatives_considered: typeof row.alternatives_considered === 'string' ? row.alternatives_considered : null,
  };
}

function tally(counts: Map<string, Map<string, number>>, key: string, user: string): void {
  const users = counts.get(key) ?? new Map<string, number>();
  users.set(user, (users.get(user) ?? 0) + 1);
  counts.set(key, users);
}

/** The user with the most rows; ties go to the smallest id, so the choice never depends on row order. */
function mostFrequent(users: Map<string, number>): string {
  return [...users].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}
