import type { AnalyticsJobRunner } from '../analytics/analyticsJobRunner';
import { SharedTeamSyncs } from '../team/sharedTeamSyncs';
import { ValidationError } from '../validation';
import { HostRequestError } from './hostRequests';
import type { OpenedStore } from './storeHost';

/**
 * The palette's commands asked by hosted windows (`command`): run on the host's store, their long
 * jobs in a child process of the host as the background jobs' are (its memory goes back to the
 * system when it ends). Loaded with the first command: a host started for track never reads the
 * analytics.
 */
export class HostCommands {
  private runner: AnalyticsJobRunner | undefined;
  private readonly teamSyncs = new SharedTeamSyncs();

  constructor(private readonly opened: OpenedStore, private readonly migrationsDir?: string) {}

  async run(params: Record<string, unknown>): Promise<unknown> {
    const [{ parseStoreCommand, runStoreCommand }, { AnalyticsJobRunner }] = await Promise.all([
      import('../window/storeCommands'), import('../analytics/analyticsJobRunner'),
    ]);
    let command;
    try {
      command = parseStoreCommand(params.name, params.args);
    } catch (err) {
      if (err instanceof ValidationError) throw new HostRequestError(err.message, 'usage');
      throw err;
    }
    const { store, engine } = this.opened;
    this.runner ??= new AnalyticsJobRunner({ migrationsDir: this.migrationsDir, engine: engine === 'node:sqlite' ? 'file' : undefined, isolation: 'process' });
    store.pullEvents();
    return runStoreCommand({ store, jobs: this.runner, teamSyncs: this.teamSyncs }, command.name, command.args);
  }

  dispose(): void {
    this.runner?.dispose();
  }
}
