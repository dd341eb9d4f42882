import * as vscode from 'vscode';
import type { CommandId } from '../commandIds';

/**
 * Registers a palette command whose failure is shown, not lost: an error notification with Show
 * Log, and the log line.
 */
export function registerGuardedCommand(
  id: CommandId,
  work: () => Promise<unknown> | unknown,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async () => {
    try {
      await work();
    } catch (err) {
      log.error(`${id} failed: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`Session Buddy: ${(err as Error).message}`, 'Show Log').then((choice) => choice && log.show());
    }
  });
}
