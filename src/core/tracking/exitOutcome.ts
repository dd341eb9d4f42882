import type { Outcome } from './tracker';

/**
 * The outcome of a process by its exit code: 0 completed; another code failed, with the code as the
 * error; no code (terminated, interrupted) abandoned, which is not completed either.
 */
export function outcomeFromExitCode(exitCode: number | undefined): Outcome {
  if (exitCode === 0) return { completed: true };
  if (exitCode === undefined) return { completed: false, errorType: 'terminated' };
  return { completed: false, errorType: `exit ${exitCode}` };
}
