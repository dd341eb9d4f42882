/**
 * How a CLI command uses the store host. Unset, a command that asks the host starts one when none
 * runs, as the editor's windows do: one process per machine holds the store and later commands find
 * it warm (gopls -remote=auto and Watchman share one daemon among their clients the same way). In
 * a CI job (`CI` set, as CI services set it) a command uses a host that already runs and otherwise
 * opens the store itself, so the job leaves no process behind (Turborepo keeps its daemon off in CI
 * for that reason). `--store-host` or SESSION_BUDDY_HOST=on always start one; =running only uses one
 * that runs; =off never asks. It imports nothing, so the launcher's early start stays small.
 */

export type HostUse = 'start' | 'ifRunning' | 'off';

export class HostSettingError extends Error {}

const SETTINGS: ReadonlyMap<string, HostUse> = new Map([['on', 'start'], ['running', 'ifRunning'], ['off', 'off']]);

/** Throws HostSettingError when SESSION_BUDDY_HOST is neither empty, "on", "running" nor "off". */
export function hostUse(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): HostUse {
  if (flag) return 'start';
  const value = env.SESSION_BUDDY_HOST?.trim().toLowerCase() ?? '';
  if (value === '') return inContinuousIntegration(env) ? 'ifRunning' : 'start';
  const use = SETTINGS.get(value);
  if (use === undefined) throw new HostSettingError(`SESSION_BUDDY_HOST must be "on", "running" or "off", not "${env.SESSION_BUDDY_HOST}"`);
  return use;
}

/** `CI` set to anything but false, as GitHub Actions, GitLab, CircleCI, Travis, Buildkite and others set it. */
function inContinuousIntegration(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase() ?? '';
  return value !== '' && value !== 'false' && value !== '0';
}
