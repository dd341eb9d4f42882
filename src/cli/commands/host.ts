import type { Command } from 'commander';
import { HostUnavailableError, runningHostHello, stopRunningHost } from '../../core/host/hostClient';
import type { HelloAnswer } from '../../core/host/protocol';
import { resolveDatabasePath } from '../../core/store/paths';
import { CliError, type CliContext } from '../context';
import { hostOptions } from '../storeHostRoute';

/**
 * `host status` and `host stop`: whether the store's shared host runs, and stopping it (before a
 * change to the file's schema, or as a CI job's last step when it asked for one with --store-host).
 */
export function registerHostCommands(program: Command, ctx: CliContext): void {
  const host = program.command('host').description("the store's shared host process: whether one runs, and stopping it");

  host
    .command('status')
    .description('whether a store host serves the store: its pid, engine, version and protocol')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const db = resolveDatabasePath(ctx.dbPath());
      const hello = await asked(() => runningHostHello(hostOptions(db)));
      if (opts.json) ctx.io.out(ctx.json(hello ? { db, running: true, pid: hello.pid, engine: hello.engine, version: hello.hostVersion, protocol: hello.protocol } : { db, running: false }));
      else ctx.io.out(hello ? `A store host serves ${db}: pid ${hello.pid}, ${hello.engine}, version ${hello.hostVersion} (protocol ${hello.protocol}).\n` : `No store host runs for ${db}.\n`);
    });

  host
    .command('stop')
    .description("ask the store host to stop and wait until it has (the editor's windows on the store start a new one at their next request)")
    .action(async () => {
      const db = resolveDatabasePath(ctx.dbPath());
      const hello = await asked(() => stopRunningHost(hostOptions(db)));
      ctx.io.out(hello ? `Stopped the store host of ${db} (pid ${hello.pid}).\n` : `No store host runs for ${db}.\n`);
    });
}

/** A host that refuses us (another user's socket, a token that is not the store's) is the command's error. */
async function asked(ask: () => Promise<HelloAnswer | undefined>): Promise<HelloAnswer | undefined> {
  try {
    return await ask();
  } catch (err) {
    throw err instanceof HostUnavailableError ? new CliError(err.message) : err;
  }
}
