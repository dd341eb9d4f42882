import type { Outcome } from './runRecorder';

/**
 * The outcome of a process by its exit code: 0 completed; another code failed, with the code as the
 * error; no code (terminated, interrupted) abandoned, which is not completed either.
 */
export function outcomeFromExitCode(exitCode: number | undefined): Outcome {
  if (exitCode === 0) return { completed: true };
  if (exitCode === undefined) return { completed: false, errorType: 'terminated' };
  return { completed: false, errorType: `exit ${exitCode}` };
}

/**
 * The exit code in a debug adapter's output line, for adapters that send no `exited` event: js-debug
 * (the `node`, `pwa-node`, `chrome` sessions) only prints "Process exited with code N".
 */
export function exitCodeFromDebugOutput(output: string): number | undefined {
  const match = /^Process exited with code (-?\d+)\s*$/.exec(output);
  return match ? Number(match[1]) : undefined;
}
