import path from 'node:path';
import * as vscode from 'vscode';
import type { SchemaChangeResult } from '../../core/maintenance/schemaChange';
import { COMMANDS, type CommandId } from '../commandIds';
import { Disposable } from '../lifecycle';
import type { InvocationRecorder } from '../recorder';
import { registerGuardedCommand } from './guardedCommand';
import type { SettingsWatcher } from '../settings';
import type { StoreHost } from '../storeHost';
import type { TeamSync } from '../teamSync';
import { plural } from '../../shared/words';

const WALKTHROUGH = 'session-buddy.session-buddy#gettingStarted';

type DeleteChoice = vscode.QuickPickItem & { choice: 'keep' | 'delete' | 'deleteWithTeamRows' };

/** Status, migrate, rollback, delete all data, database folder, log, pause/resume. */
export class MaintenanceCommands extends Disposable {
  constructor(
    private readonly host: StoreHost,
    private readonly recorder: InvocationRecorder,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    private readonly team?: TeamSync,
  ) {
    super();
    const command = (id: CommandId, work: () => Promise<unknown> | unknown) => this.register(registerGuardedCommand(id, work, log));
    command(COMMANDS.showStatus, () => this.showStatus());
    command(COMMANDS.migrate, () => this.migrate());
    command(COMMANDS.rollback, () => this.rollback());
    command(COMMANDS.deleteAllData, () => this.deleteAll());
    command(COMMANDS.openDatabaseFolder, () => this.openFolder());
    command(COMMANDS.showLog, () => this.log.show());
    command(COMMANDS.pauseTracking, () => this.setTracking(false));
    command(COMMANDS.resumeTracking, () => this.setTracking(true));
    command(COMMANDS.openWalkthrough, () => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false));
  }

  private async showStatus(): Promise<void> {
    const window = await this.host.window;
    const s = await window.command('status', {});
    const tracking = this.recorder.isEnabled('explicit') ? 'on' : 'paused';
    const version = `${s.currentVersionWords}${s.pending.length ? `, ${plural(s.pending.length, 'migration')} pending` : ', up to date'}`;
    this.log.info(`Status: database ${s.path}; schema ${s.currentVersion ?? '(none)'} (${version}); ${s.invocations} invocations in ${s.sessions} sessions; user ${window.userId}; session ${window.session.id ?? '(none)'}; tracking ${tracking}; served by ${window.servedBy}`);
    const choice = await vscode.window.showInformationMessage(
      `Session Buddy: ${plural(s.invocations, 'run')} in ${plural(s.sessions, 'session')}; database ${version}; tracking ${tracking}.`,
      { detail: s.path },
      'Open Database Folder',
      'Show Log',
    );
    if (choice === 'Open Database Folder') await this.openFolder();
    else if (choice === 'Show Log') this.log.show();
  }

  private async migrate(): Promise<void> {
    if ((await this.host.window).hosted) {
      // The host upgrades the database when it opens it, before it answers anyone.
      void vscode.window.showInformationMessage('Session Buddy: nothing to migrate, the store host keeps the database up to date.');
      return;
    }
    const core = await this.host.ready;
    const planned = core.lib.plannedMigrations(core.store);
    if (planned.length === 0) {
      this.log.info('Migrate: nothing to migrate, the database is up to date.');
      void vscode.window.showInformationMessage('Session Buddy: nothing to migrate, the database is up to date.');
      return;
    }
    const result = await this.withProgress(`Applying ${planned.join(', ')}`, () => core.lib.migrateSnapshot(core.store));
    await this.reportSchemaChange('Applied', result);
  }

  private async rollback(): Promise<void> {
    if ((await this.host.window).hosted) {
      void vscode.window.showInformationMessage(
        'Session Buddy: the store host holds the database while windows are open, and would upgrade it again. Close every VS Code window, then run "session-buddy rollback" in a terminal.',
        { modal: true },
      );
      return;
    }
    const core = await this.host.ready;
    const planned = core.lib.plannedRollback(core.store, 1);
    if (planned.length === 0) {
      void vscode.window.showInformationMessage('Session Buddy: nothing to roll back.');
      return;
    }
    const confirm = await vscode.window.showWarningMessage(
      `Roll back ${planned.join(', ')}?`,
      {
        modal: true,
        detail: 'The database is copied to a backup first, and every row the down migration does not remove is kept. Windows, the CLI and the MCP server upgrade the database again when they next open it; to stay on the older version, close them and use the CLI.',
      },
      'Roll Back',
    );
    if (confirm !== 'Roll Back') return;
    const result = await this.withProgress(`Rolling back ${planned.join(', ')}`, () => core.lib.rollbackSnapshot(core.store, 1));
    await this.reportSchemaChange('Rolled back', result);
  }

  private async reportSchemaChange(verb: string, result: SchemaChangeResult): Promise<void> {
    const backup = result.backup ? ` Backup: ${result.backup}.` : '';
    this.log.info(`${verb} ${result.versions.join(', ') || 'nothing'}.${backup}`);
    const choice = await vscode.window.showInformationMessage(
      `Session Buddy: ${verb.toLowerCase()} ${result.versions.join(', ') || 'nothing'}. Reload the window: it still holds the previous schema in memory.`,
      { detail: backup.trim() || undefined },
      'Reload Window',
    );
    if (choice) await vscode.commands.executeCommand('workbench.action.reloadWindow');
  }

  private async deleteAll(): Promise<void> {
    const window = await this.host.window;
    const db = this.host.databasePath();
    const unpushed = (await this.team?.unpushed()) ?? 0;
    const teamNote = this.team?.configured
      ? ` ${unpushed > 0 ? `Lost with it: ${plural(unpushed, 'run')} never sent to the team store. ` : ''}Your rows on the team server stay unless you also delete them there.`
      : '';
    const what = `Every recorded run, session, metric, anomaly and analysis in ${db}, for every window, the CLI and the MCP server, with the backups and the trained model beside it.${teamNote}`;
    const choices: DeleteChoice[] = [
      { label: '$(shield) Keep My Data', description: 'nothing is deleted', choice: 'keep' },
      { label: '$(trash) Delete All Data', description: 'cannot be undone', detail: what, choice: 'delete' },
      ...(this.team?.configured ? [{ label: '$(trash) Delete All Data and My Team Rows', detail: 'The same, and your rows on the team server.', choice: 'deleteWithTeamRows' } as const] : []),
    ];
    // A pick rather than a modal: a modal always adds its own Cancel beside a button that keeps the data, and
    // focuses its first button; here keeping is the first, active choice, so Enter and Escape both keep.
    const confirm = await vscode.window.showQuickPick(choices, { title: 'Delete all Session Buddy data?', placeHolder: 'Enter keeps your data', ignoreFocusOut: true });
    if (confirm === undefined || confirm.choice === 'keep') return;
    if (confirm.choice === 'deleteWithTeamRows') await this.deleteTeamRows();
    const result = await this.withProgress('Deleting all data', () => window.command('deleteAllData', {}));
    // The window's session (and that of the store opened here for team sync or a server) went with the data.
    for (const session of new Set([window.session, this.host.current?.session])) session?.forget();
    this.recorder.reset();
    if (this.recorder.isEnabled('explicit')) await window.session.current();
    this.log.info(`Deleted all data in ${db}; removed ${plural(result.removedFiles.length, 'file')}: ${result.removedFiles.join(', ') || '(none)'}`);
    if (result.keptFiles.length) {
      this.log.warn(`Still written by a running process, removed when it ends: ${result.keptFiles.join(', ')}`);
      void vscode.window.showWarningMessage(`Session Buddy: all data was deleted; still open in another running process and removed when it ends: ${plural(result.keptFiles.length, 'log file')} (see the log).`);
      return;
    }
    void vscode.window.showInformationMessage(`Session Buddy: all data was deleted (${plural(result.removedFiles.length, 'file')} removed; see the log for the list).`);
  }

  /** A server that cannot be reached does not stop the local deletion; the user hears what stayed. */
  private async deleteTeamRows(): Promise<void> {
    try {
      const removed = await this.withProgress('Deleting your rows on the team server', () => this.team!.deleteServerRows());
      this.log.info(`Deleted this member's ${plural(removed, 'row')} on the team server`);
    } catch (err) {
      this.log.warn(`Team rows not deleted: ${(err as Error).message}`);
      void vscode.window.showWarningMessage(`Session Buddy: your rows on the team server were not deleted (${(err as Error).message}); run session-buddy team leave --delete later.`);
    }
  }

  private async openFolder(): Promise<void> {
    const db = vscode.Uri.file(this.host.databasePath());
    try {
      await vscode.commands.executeCommand('revealFileInOS', db);
    } catch {
      const choice = await vscode.window.showInformationMessage(`Session Buddy's database is in ${path.dirname(db.fsPath)}`, 'Copy Path');
      if (choice) await vscode.env.clipboard.writeText(db.fsPath);
    }
  }

  private async setTracking(enabled: boolean): Promise<void> {
    await this.settings.write('tracking.enabled', enabled);
    this.log.info(`Tracking ${enabled ? 'resumed' : 'paused'}`);
    void vscode.window.setStatusBarMessage(`Session Buddy: tracking ${enabled ? 'resumed' : 'paused'}`, 3000);
  }

  private withProgress<T>(title: string, work: () => Promise<T>): Promise<T> {
    this.log.info(`${title}…`);
    return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Session Buddy: ${title}…` }, work));
  }
}
