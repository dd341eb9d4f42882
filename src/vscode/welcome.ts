import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import type { StoreHost } from './storeHost';

/** Set in the profile once Session Buddy has introduced itself. */
const WELCOMED_KEY = 'sessionBuddy.welcomed';

/** The status bar in one line: what its item counts and what a click does. */
export const STATUS_BAR_LINE = 'Session Buddy records the skills you run: its status bar item (bottom left) counts today\'s runs and how many completed; click it for the dashboard.';

/** The mark's file in the extension's global storage folder. */
const WELCOMED_FILE = 'welcomed';

async function exists(uri: vscode.Uri): Promise<boolean> {
  return vscode.workspace.fs.stat(uri).then(() => true, () => false);
}

/**
 * A newcomer's first start: the walkthrough opens and one notification explains the status bar. Once per
 * profile, and only for someone new (no run of their own in the store; the generated demo counts as
 * none), unless the editor is told not to open walkthroughs on install, which the tests' quiet settings do.
 * The mark is kept in the profile's state and in a file of the extension's global storage: a browser-based
 * workbench (code-server) keeps the state in the browser, which a new browser profile does not have.
 */
export async function welcomeOnFirstStart(state: vscode.Memento, storage: vscode.Uri, host: StoreHost): Promise<void> {
  const mark = vscode.Uri.joinPath(storage, WELCOMED_FILE);
  if (state.get(WELCOMED_KEY) || (await exists(mark))) return;
  // A store that cannot open says so itself; the welcome waits for the next start.
  const runs = await host.window.then((window) => window.runState()).catch(() => undefined);
  if (!runs) return;
  await state.update(WELCOMED_KEY, true);
  await vscode.workspace.fs.createDirectory(storage);
  await vscode.workspace.fs.writeFile(mark, new Uint8Array());
  const returning = runs.hasRuns && !runs.demo;
  const openOnInstall = vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true);
  if (returning || !openOnInstall) return;
  await vscode.commands.executeCommand(COMMANDS.openWalkthrough);
  const choice = await vscode.window.showInformationMessage(STATUS_BAR_LINE, 'Show Dashboard');
  if (choice) await vscode.commands.executeCommand(COMMANDS.showDashboard);
}
