import os from 'node:os';
import path from 'node:path';

/**
 * The one per-user database shared by every VS Code window, the CLI and the MCP server:
 *   Linux    $XDG_DATA_HOME/session-buddy/skills.db (default ~/.local/share/session-buddy/skills.db)
 *   macOS    ~/Library/Application Support/session-buddy/skills.db
 *   Windows  %APPDATA%\session-buddy\skills.db
 */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'session-buddy', 'skills.db');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'session-buddy', 'skills.db');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'session-buddy', 'skills.db');
}

/** First non-empty of: an explicit path (CLI --db, the editor setting), SESSION_BUDDY_DB, the default. */
export function resolveDatabasePath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit?.trim() || env.SESSION_BUDDY_DB?.trim();
  return path.resolve(chosen || defaultDatabasePath(env));
}

/** The files that make up one store. Everything lives beside the database file. */
export interface StorePaths {
  db: string;
  /** Append-only event segments, one per writing process. */
  eventsDir: string;
  /** Writer slots: each live writer holds one, which makes its invocation ids unique. */
  slotsDir: string;
  /** The previous snapshot, kept as a fallback when the current one is damaged. */
  previous: string;
}

export function storePaths(db: string): StorePaths {
  const resolved = path.resolve(db);
  return { db: resolved, eventsDir: `${resolved}.events`, slotsDir: `${resolved}.events${path.sep}slots`, previous: `${resolved}.prev` };
}

/** A file-name-safe UTC stamp, e.g. 20261125T122430123Z. */
export function fileStamp(date: Date = new Date()): string {
  return date.toISOString().replace(/[-:.]/g, '');
}
