/**
 * The `session-buddy` CLI with this area's commands (serve, mcp, tool, ci, crackerjack) for tests
 * run before the lead registers them in src/cli/program.ts. Once registered, the built dist/cli.js
 * serves them and the tests use it instead (see cliCommand in realtime-test-support.ts).
 */
import { CommanderError } from 'commander';
import { registerCiCommands } from '../../src/cli/commands/ci';
import { registerRealtimeCommands } from '../../src/cli/commands/realtime';
import { buildProgram, type CliContext, type CliIo } from '../../src/cli/program';
import { SkillStore } from '../../src/core/store/store';

const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

async function main(args: string[]): Promise<number> {
  const program = buildProgram(io);
  const registered = (name: string) => program.commands.some((c) => c.name() === name);
  const dbPath = () => program.opts<{ db?: string }>().db;
  const ctx: CliContext = {
    io,
    dbPath,
    async withStore(mode, work) {
      const store = await SkillStore.open({ path: dbPath(), mode, pollMs: 0, onMessage: (m) => io.err(`session-buddy: ${m}\n`) });
      try {
        return await work(store);
      } finally {
        await store.close({ snapshot: mode === 'work' });
      }
    },
    table: (rows) => JSON.stringify(rows),
    json: (value) => `${JSON.stringify(value, null, 2)}\n`,
  };
  if (!registered('serve')) registerRealtimeCommands(program, ctx);
  if (!registered('ci')) registerCiCommands(program, ctx);
  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.err(`session-buddy: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
