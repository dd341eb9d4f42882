import fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { connectToHost, connectToRunningHost, HostGoneError, HostRequestFailedError, HostUnavailableError, NoRunningHostError } from '../core/host/hostClient';
import type { HostClientOptions } from '../core/host/hostStarter';
import { parseProgress, type HostMethod } from '../core/host/protocol';
import type { OperationProgress } from '../core/operations/storeOperations';
import { resolveDatabasePath } from '../core/store/paths';
import { HostSettingError, hostUse, type HostUse } from './hostChoice';
import { cliHostOptions } from './hostPrestart';

/** How the command uses the store host (hostChoice.ts); a bad SESSION_BUDDY_HOST is a usage error. */
export function storeHostUse(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): HostUse {
  try {
    return hostUse(flag, env);
  } catch (err) {
    throw err instanceof HostSettingError ? new InvalidArgumentError(err.message) : err;
  }
}

/** How this command reaches the host of `db`; a bad SESSION_BUDDY_HOST_IDLE_SECONDS is a usage error. */
export function hostOptions(db: string): HostClientOptions {
  try {
    return cliHostOptions(db);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export interface HostRequestOptions {
  /** Done twice if asked twice: not asked again of a host that went away under it. */
  once?: boolean;
  /** Hears how far a long request is (a host of protocol 10 or later says so). */
  onProgress?: (progress: OperationProgress) => void;
}

/**
 * Sends one request to the store host of the command's store. Undefined means "open the store
 * yourself": the host is off, not running when only a running one is asked, or cannot serve (said
 * once per run, with why).
 */
export class StoreHostRoute {
  private told = false;

  constructor(
    private readonly use: () => HostUse,
    private readonly dbPath: () => string | undefined,
    private readonly notice: (message: string) => void,
  ) {}

  /**
   * `stop` (Ctrl+C) abandons the request: the host stops a query whose client went away. A host
   * that went away under the request (it reached its idle time at that moment, or was killed) is
   * asked once more, which starts a new one, unless the request is `once`: one that would be done
   * twice if the host had done it just before going (an A/B outcome recorded) is an error instead.
   */
  async request(method: HostMethod, params: Record<string, unknown>, stop?: Promise<void>, options: HostRequestOptions = {}): Promise<unknown> {
    // A store that does not exist yet has nothing to read; a host would create it, which a read never does.
    const use = this.use();
    if (use === 'off' || !fs.existsSync(resolveDatabasePath(this.dbPath()))) return undefined;
    let stopped = false;
    void stop?.then(() => (stopped = true));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ask(use, method, params, stop, options.onProgress);
      } catch (err) {
        if (err instanceof NoRunningHostError) return undefined;
        if (err instanceof HostRequestFailedError) throw err.kind === 'usage' ? new InvalidArgumentError(err.message) : new Error(err.message);
        if (!(err instanceof HostUnavailableError)) throw err;
        if (stopped) throw new Error(`the ${method} request was stopped`, { cause: err });
        if (options.once && err instanceof HostGoneError) throw new Error(`the store host went away during the ${method} request (${err.message}); it may have done it already: check before running it again`, { cause: err });
        if (attempt < 2 && err instanceof HostGoneError) continue;
        this.tell(err.message);
        return undefined;
      }
    }
  }

  private async ask(use: HostUse, method: HostMethod, params: Record<string, unknown>, stop?: Promise<void>, onProgress?: (progress: OperationProgress) => void): Promise<unknown> {
    const options = hostOptions(resolveDatabasePath(this.dbPath()));
    const connection = await (use === 'start' ? connectToHost(options) : connectToRunningHost(options));
    void stop?.then(() => connection.close());
    try {
      return await connection.request(method, params, onProgress && ((line) => {
        const progress = parseProgress(line);
        if (progress) onProgress(progress);
      }));
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
