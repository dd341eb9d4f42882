import fs from 'node:fs';
import { runningHostHello } from '../core/host/hostClient';
import { resolveDatabasePath } from '../core/store/paths';
import { CliError } from './context';
import { hostOptions } from './storeHostRoute';

/**
 * A change to the file's schema (migrate, rollback, repair) is refused while a store host serves the
 * store: the host holds the store's lock for as long as it runs, so the command waited a minute and
 * failed naming only a pid, and the windows the host serves would upgrade a rolled-back store again.
 */
export async function refuseBesideHost(dbOption: string | undefined, command: string): Promise<void> {
  const db = resolveDatabasePath(dbOption);
  if (!fs.existsSync(db)) return;
  const hello = await runningHostHello(hostOptions(db)).catch(() => undefined);
  if (!hello) return;
  throw new CliError(
    `${command} changes ${db}, which the store host (pid ${hello.pid}) holds open for its clients: close the VS Code windows on this store and the commands using it, run \`session-buddy host stop\`, then \`${command}\` again`,
  );
}
