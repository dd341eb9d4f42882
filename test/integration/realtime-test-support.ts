import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const DIST_CLI = path.join(ROOT, 'dist', 'cli.js');
const ENTRY = path.join(ROOT, 'src', 'cli', 'main.ts');

let cached: string[] | undefined;

/** How to start the CLI: the built dist/cli.js (npm test builds it first), else the sources through tsx. */
export function cliCommand(): string[] {
  cached ??= fs.existsSync(DIST_CLI) ? [DIST_CLI] : ['--import', 'tsx', ENTRY];
  return cached;
}

/** Runs the CLI to completion. */
export function runCliSync(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [...cliCommand(), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SESSION_BUDDY_DB: '', SESSION_BUDDY_USER: 'ci-test-user', ...env },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}
