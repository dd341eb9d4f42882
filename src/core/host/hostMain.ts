/**
 * The store host's entry (bundled as dist/store-host.js): `store-host.js --db <path> [--idle-seconds <n>]
 * [--open work|as-found]` (as-found: refuse a store that needs a repair or an upgrade, store/asFound.ts).
 * Started detached by the first client that needs it (hostClient.ts), with the client's own
 * runtime: `node`, or VS Code's Electron with ELECTRON_RUN_AS_NODE=1. It has no terminal, so what
 * it has to say goes to `<db>.host.log` (mode 0600, kept short).
 * Exit codes: 0 stopped (idle, retired, signalled) or another host already serves the store;
 * 1 it could not serve; 2 it was started wrongly.
 */
import fs from 'node:fs';
import { version } from '../../../package.json';
import { hostPaths } from './hostPaths';
import { DEFAULT_IDLE_SECONDS, parseIdleSeconds } from './hostStarter';
import { runStoreHost } from './storeHost';

/** The log is restarted rather than appended to once this big: it holds lifecycle lines, not history. */
const LOG_MAX_BYTES = 256 * 1024;

interface HostArgs {
  db: string;
  idleSeconds: number;
  asFound: boolean;
}

function parseArgs(argv: string[]): HostArgs {
  let db: string | undefined;
  let idleSeconds = DEFAULT_IDLE_SECONDS;
  let asFound = false;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--db') db = value;
    else if (flag === '--idle-seconds') idleSeconds = parseIdleSeconds(value, '--idle-seconds');
    else if (flag === '--open' && (value === 'work' || value === 'as-found')) asFound = value === 'as-found';
    else if (flag === '--open') throw new Error(`--open must be "work" or "as-found", not "${value}"`);
    else throw new Error(`unknown option ${flag}`);
  }
  if (!db?.trim()) throw new Error('--db <path> is required');
  return { db, idleSeconds, asFound };
}

function openLog(file: string): (line: string) => void {
  try {
    if (fs.statSync(file).size > LOG_MAX_BYTES) fs.rmSync(file);
  } catch {
    // no log yet
  }
  return (line) => {
    try {
      fs.appendFileSync(file, `${new Date().toISOString()} pid ${process.pid}: ${line}\n`, { mode: 0o600 });
    } catch {
      // a log that cannot be written must not stop the host
    }
  };
}

async function main(): Promise<number> {
  let args: HostArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`session-buddy store host: ${(err as Error).message}\n`);
    return 2;
  }
  const log = openLog(hostPaths(args.db).log);
  try {
    const outcome = await runStoreHost({ db: args.db, idleMs: args.idleSeconds * 1000, asFound: args.asFound, hostVersion: version, log });
    if (outcome.reason === 'lost') log('another store host already serves this store');
    return outcome.failed ? 1 : 0;
  } catch (err) {
    log(`could not serve: ${(err as Error).message}`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
