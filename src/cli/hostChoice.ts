/**
 * How a CLI command uses the store host: `--store-host` or SESSION_BUDDY_HOST=on starts one when
 * none runs; =off never asks; unset asks a host that is already running (the editor's windows
 * start one by default) and otherwise opens the store itself, as the CLI always did. So a command
 * in a terminal beside the editor answers from the shared host instead of reading the whole file
 * (seconds and hundreds of MB at a million runs), and a one-shot command in a CI job leaves no
 * process behind. It imports nothing, so the launcher's early start stays small.
 */

export type HostUse = 'start' | 'ifRunning' | 'off';

export class HostSettingError extends Error {}

/** Throws HostSettingError when SESSION_BUDDY_HOST is neither empty, "on" nor "off". */
export function hostUse(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): HostUse {
  if (flag) return 'start';
  const value = env.SESSION_BUDDY_HOST?.trim().toLowerCase() ?? '';
  if (value === 'on') return 'start';
  if (value === 'off') return 'off';
  if (value !== '') throw new HostSettingError(`SESSION_BUDDY_HOST must be "on" or "off", not "${env.SESSION_BUDDY_HOST}"`);
  return 'ifRunning';
}
