import type { AnalyticsJobRunner } from '../analytics/analyticsJobRunner';
import { SharedTeamSyncs } from '../team/sharedTeamSyncs';
import { ValidationError } from '../validation';
import { HostRequestError } from './hostRequests';
import type { OpenedStore, ProgressSender } from './storeHost';

/**
 * The palette's commands asked by hosted windows (`command`) and the CLI's operations (`operation`):
 * run on the host's store, their long jobs in a child process of the host as the background jobs'
 * are (its memory goes back to the system when it ends). Loaded with the first command: a host
 * started for track never reads the analytics.
 */
export class HostCommands {
  private runner: AnalyticsJobRunner | undefined;
  private readonly teamSyncs = new SharedTeamSyncs();

  constructor(private readonly opened: OpenedStore, private readonly migrationsDir?: string) {}

  async run(params: Record<string, unknown>, onProgress?: ProgressSender): Promise<unknown> {
    const { parseStoreCommand, runStoreCommand } = await import('../window/storeCommands');
    const command = asUsage(() => parseStoreCommand(params.name, params.args));
    return runStoreCommand({ ...(await this.target()), teamSyncs: this.teamSyncs }, command.name, command.args, onProgress && ((done, total) => onProgress({ done, total })));
  }

  async operation(params: Record<string, unknown>, onProgress?: ProgressSender): Promise<unknown> {
    const [{ OperationArgs }, { storeOperation }] = await Promise.all([import('../operations/operationArgs'), import('../operations/storeOperations')]);
    const { found, args } = asUsage(() => {
      const named = storeOperation(params.name);
      return { found: named, args: named.args(OperationArgs.of(params.args)) };
    });
    return found.run({ ...(await this.target()), onProgress }, args);
  }

  /** The store with every process's runs applied, and the job process its long jobs run in. */
  private async target(): Promise<{ store: OpenedStore['store']; jobs: AnalyticsJobRunner }> {
    const { AnalyticsJobRunner } = await import('../analytics/analyticsJobRunner');
    this.runner ??= new AnalyticsJobRunner({ migrationsDir: this.migrationsDir, engine: this.opened.engine === 'node:sqlite' ? 'file' : undefined, isolation: 'process' });
    const store = this.opened.store;
    store.pullEvents();
    return { store, jobs: this.runner };
  }

  dispose(): void {
    this.runner?.dispose();
  }
}

/** Arguments another process sent, checked: a refusal is the client's usage error. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ValidationError) throw new HostRequestError(err.message, 'usage');
    throw err;
  }
}
