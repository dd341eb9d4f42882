import { saltedHash, storeSalt } from '../store/storeSalt';
import type { Store } from '../store/storeInterface';

/**
 * A workspace as the store knows it: a hash of its folder under the store's salt, kept on each session
 * (skill_sessions.project_hash), so runs can be grouped by project while no path is ever stored.
 */
export function projectHashOf(store: Store, projectPath: string): string {
  return saltedHash(storeSalt(store), projectPath).slice(0, 32);
}

/**
 * `AND <alias>.session_id IN (the sessions of the project)` and its parameter; nothing without a
 * project. The alias is the invocation table's (or '' for an unaliased skill_invocation).
 */
export function projectCondition(projectHash: string | undefined, alias = ''): { sql: string; params: string[] } {
  if (projectHash === undefined) return { sql: '', params: [] };
  const column = alias ? `${alias}.session_id` : 'session_id';
  return { sql: ` AND ${column} IN (SELECT session_id FROM skill_sessions WHERE project_hash = ?)`, params: [projectHash] };
}
