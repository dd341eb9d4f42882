import { runCli } from '../../src/cli/program';

// Run from the sources, the program has no built host script to start on demand: it uses a host only if one runs.
process.env.SESSION_BUDDY_HOST ??= 'running';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the real `session-buddy` program in this process against one database, with its output
 * captured: the same commands, parsing and exit codes as the built CLI, without a child process.
 */
export async function runCliInProcess(dbPath: string, args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(['--db', dbPath, ...args], { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}
