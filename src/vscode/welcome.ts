import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import type { StoreHost } from './storeHost';

/** Set in the profile once Session Buddy has introduced itself. */
const WELCOMED_KEY = 'sessionBuddy.welcomed';

/** The status bar in one line: what its item counts and what a click does. */
export const STATUS_BAR_LINE = 'Session Buddy records the skills you run: its status bar item (bottom left) counts today\'s runs and how many completed; click it for the dashboard.';

/**
 * A newcomer's first start: the walkthrough opens and one notification explains the status bar. Once per
 * profile, and only for someone new (no run of their own in the store; the generated demo counts as
 * none), unless the editor is told not to open walkthroughs on install, which the tests' quiet settings do.
 */
export async function welcomeOnFirstStart(state: vscode.Memento, host: StoreHost): Promise<void> {
  if (state.get(WELCOMED_KEY)) return;
  // A store that cannot open says so itself; the welcome waits for the next start.
  const core = await host.ready.catch(() => undefined);
  if (!core) return;
  await state.update(WELCOMED_KEY, true);
  const returning = core.lib.hasRecordedRuns(core.store) && !core.lib.isDemoStore(core.store);
  const openOnInstall = vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true);
  if (returning || !openOnInstall) return;
  await vscode.commands.executeCommand(COMMANDS.openWalkthrough);
  const choice = await vscode.window.showInformationMessage(STATUS_BAR_LINE, 'Show Dashboard');
  if (choice) await vscode.commands.executeCommand(COMMANDS.showDashboard);
}
