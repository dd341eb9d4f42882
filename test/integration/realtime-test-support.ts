import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const DIST_CLI = path.join(ROOT, 'dist', 'cli.js');
const ENTRY = path.join(__dirname, 'realtime-cli-entry.ts');

let cached: string[] | undefined;

/**
 * How to start the CLI with the serve/mcp/tool/ci commands: the built dist/cli.js when it has
 * them (after `npm run build` with the commands registered), else the test entry through tsx.
 */
export function cliCommand(): string[] {
  if (cached) return cached;
  if (fs.existsSync(DIST_CLI)) {
    const help = spawnSync(process.execPath, [DIST_CLI, '--help'], { encoding: 'utf8', timeout: 20_000 }).stdout ?? '';
    const has = (name: string) => new RegExp(`^\\s+${name}\\b`, 'm').test(help);
    if (has('mcp') && has('serve') && has('ci') && has('crackerjack')) return (cached = [DIST_CLI]);
  }
  return (cached = ['--import', 'tsx', ENTRY]);
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
