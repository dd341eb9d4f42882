import crypto from 'node:crypto';
import os from 'node:os';

/**
 * The stable user id used unless the user sets one: a hash of the account and machine names,
 * identical in the editor, the CLI and the MCP server and in every store. It is pseudonymous, not
 * secret: anyone who knows or guesses both names can compute it. It has no salt because it must
 * stay the same across stores and for the data already recorded under it.
 */
export function anonymousUserId(): string {
  let account = 'unknown';
  try {
    account = os.userInfo().username;
  } catch {
    // some sandboxes have no passwd entry
  }
  return `anon-${crypto.createHash('sha256').update(`session-buddy:${account}@${os.hostname()}`).digest('hex').slice(0, 16)}`;
}

/** SESSION_BUDDY_USER, then the anonymous id. */
export function resolveUserId(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit?.trim() || env.SESSION_BUDDY_USER?.trim() || anonymousUserId();
}
