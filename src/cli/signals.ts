/**
 * SIGINT and SIGTERM end every command within a second. A command that serves until stopped
 * (serve, mcp) is asked to stop and winds down (closing its clients and its store); any other
 * command ends at once — the store is safe to stop at any point, and the locks it holds are
 * released as the process exits.
 */
const waiting = new Set<() => void>();
const GRACE_MS = 1000;

/** Resolves when SIGINT or SIGTERM asks a long-running command to stop. */
export function untilStopRequested(): Promise<void> {
  return new Promise((resolve) => waiting.add(resolve));
}

export function installSignalHandlers(): void {
  const handle = (exitCode: number) => () => {
    if (waiting.size === 0) process.exit(exitCode);
    for (const stop of waiting) stop();
    waiting.clear();
    setTimeout(() => process.exit(exitCode), GRACE_MS).unref();
  };
  process.on('SIGINT', handle(130));
  process.on('SIGTERM', handle(143));
}
