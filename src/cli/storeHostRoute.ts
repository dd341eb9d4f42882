import fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { connectToHost, HostGoneError, HostRequestFailedError, HostUnavailableError } from '../core/host/hostClient';
import type { HostClientOptions } from '../core/host/hostStarter';
import type { HostMethod } from '../core/host/protocol';
import { resolveDatabasePath } from '../core/store/paths';
import { cliHostOptions } from './hostPrestart';

/**
 * Whether the read commands ask the store host: `--store-host`, else SESSION_BUDDY_HOST=on|off.
 * Off by default for now: while the host holds the store open file-backed, it holds the database
 * lock, under which processes of the sql.js design (today's windows, `track`) rebuild their
 * snapshot, so those would wait for the lock until the windows themselves go through the host.
 */
export function storeHostWanted(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag) return true;
  const value = env.SESSION_BUDDY_HOST?.trim().toLowerCase() ?? '';
  if (value !== '' && value !== 'on' && value !== 'off') throw new InvalidArgumentError(`SESSION_BUDDY_HOST must be "on" or "off", not "${env.SESSION_BUDDY_HOST}"`);
  return value === 'on';
}

/** How this command reaches the host of `db`; a bad SESSION_BUDDY_HOST_IDLE_SECONDS is a usage error. */
function hostOptions(db: string): HostClientOptions {
  try {
    return cliHostOptions(db);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/**
 * Sends one request to the store host of the command's store. Undefined means "open the store
 * yourself": the host is off, or cannot serve (said once per run, with why).
 */
export class StoreHostRoute {
  private told = false;

  constructor(
    private readonly wanted: () => boolean,
    private readonly dbPath: () => string | undefined,
    private readonly notice: (message: string) => void,
  ) {}

  /**
   * `stop` (Ctrl+C) abandons the request: the host stops a query whose client went away. A host
   * that went away under the request (it reached its idle time at that moment, or was killed) is
   * asked once more, which starts a new one: every request here only reads.
   */
  async request(method: HostMethod, params: Record<string, unknown>, stop?: Promise<void>): Promise<unknown> {
    // A store that does not exist yet has nothing to read; a host would create it, which a read never does.
    if (!this.wanted() || !fs.existsSync(resolveDatabasePath(this.dbPath()))) return undefined;
    let stopped = false;
    void stop?.then(() => (stopped = true));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ask(method, params, stop);
      } catch (err) {
        if (err instanceof HostRequestFailedError) throw err.kind === 'usage' ? new InvalidArgumentError(err.message) : new Error(err.message);
        if (!(err instanceof HostUnavailableError)) throw err;
        if (stopped) throw new Error(`the ${method} request was stopped`, { cause: err });
        if (attempt < 2 && err instanceof HostGoneError) continue;
        this.tell(err.message);
        return undefined;
      }
    }
  }

  private async ask(method: HostMethod, params: Record<string, unknown>, stop?: Promise<void>): Promise<unknown> {
    const connection = await connectToHost(hostOptions(resolveDatabasePath(this.dbPath())));
    void stop?.then(() => connection.close());
    try {
      return await connection.request(method, params);
    } finally {
      connection.close();
    }
  }

  private tell(reason: string): void {
    if (this.told) return;
    this.told = true;
    this.notice(`the store host is unavailable (${reason}); this command opens the store itself`);
  }
}
