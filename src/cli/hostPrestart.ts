/**
 * The store host started before the CLI's own modules load. A first `session-buddy metrics` at a
 * million runs took ~470 ms, of which the CLI's boot (~190 ms) and then the host's (~130 ms) ran one
 * after the other; started here, from the launcher, the host boots while the CLI loads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_IDLE_SECONDS, parseIdleSeconds, startHostEarly, type HostClientOptions } from '../core/host/hostStarter';
import { resolveDatabasePath } from '../core/store/paths';
import { commandNamed, databaseOption } from './commandLine';
import { hostUse } from './hostChoice';

/**
 * The one-shot commands that ask the store host when it is wanted (`ci … --team` writes to the team
 * store instead). Not `mcp`: a server waits for its first call, and starts the host then.
 */
const HOST_COMMANDS: ReadonlySet<string> = new Set(['track', 'metrics', 'sql', 'ci', 'crackerjack', 'tool']);

/** How this CLI starts and reaches the host of `db` (SESSION_BUDDY_HOST_IDLE_SECONDS: its idle time); throws on a bad idle time. */
export function cliHostOptions(db: string, env: NodeJS.ProcessEnv = process.env): HostClientOptions {
  const idle = env.SESSION_BUDDY_HOST_IDLE_SECONDS;
  return {
    db,
    hostScript: path.join(__dirname, 'store-host.js'),
    idleSeconds: idle === undefined ? DEFAULT_IDLE_SECONDS : parseIdleSeconds(idle, 'SESSION_BUDDY_HOST_IDLE_SECONDS'),
    // A command must not repair or upgrade the store by starting a host: `repair`, `migrate` and the editor do.
    asFound: true,
  };
}

/**
 * Starts the host for a command line that will ask it, when none answers (hostStarter's
 * startHostEarly). Whatever is wrong with the line is left to the program, which says so: a line
 * this cannot read starts nothing.
 */
export async function prestartStoreHost(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const command = commandNamed(args);
  if (command === undefined || !HOST_COMMANDS.has(command) || args.includes('--team')) return;
  const flagged = args.slice(0, args.indexOf(command)).includes('--store-host');
  let options: HostClientOptions;
  try {
    if (hostUse(flagged, env) !== 'start') return;
    options = cliHostOptions(resolveDatabasePath(databaseOption(args), env), env);
  } catch {
    return; // the program reports it
  }
  // A store that does not exist yet is not created by a host for a read (see StoreHostRoute).
  if (fs.existsSync(options.db)) await startHostEarly(options);
}
