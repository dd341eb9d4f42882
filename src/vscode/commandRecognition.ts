import * as vscode from 'vscode';
import { skillsFromCommandLine, validateUserRules, type UserSkillRule } from '../core/tracking/commandLine';
import { NO_WORKSPACE_NAMES, readWorkspaceNames, type WorkspaceNames } from '../core/tracking/workspaceNames';
import { Disposable, toDisposable } from './lifecycle';
import { affects, type SettingsWatcher } from './settings';
import { plural } from '../shared/words';

/** The files whose scripts and targets may appear in skill names. */
const NAME_FILES = '{package.json,Makefile,makefile,GNUmakefile}';

/**
 * The command-line rules with the user's `sessionBuddy.skillRules`, and the script and make-target
 * names the workspace folders define, read again when those files change. Invalid rules are
 * reported once per change of the setting (log and one notification) and skipped; the rules kept
 * are still checked and compiled again for every command line (skillsFromCommandLine).
 */
export class CommandRecognition extends Disposable {
  private rules: UserSkillRule[] = [];
  private workspace: WorkspaceNames = NO_WORKSPACE_NAMES;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: SettingsWatcher, private readonly log: vscode.LogOutputChannel) {
    super();
    this.load();
    this.loadWorkspaceNames();
    this.register(settings.onDidChange((e) => {
      if (affects(e, 'skillRules')) this.load();
    }));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.loadWorkspaceNames()));
    this.register(toDisposable(() => clearTimeout(this.reloadTimer)));
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const watcher = this.register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, NAME_FILES)));
      const reload = () => this.scheduleReload();
      this.register(watcher.onDidChange(reload));
      this.register(watcher.onDidCreate(reload));
      this.register(watcher.onDidDelete(reload));
    }
  }

  /** Skills of a terminal command line; unknown commands only when the user opted in. */
  terminalSkills(commandLine: string): string[] {
    return skillsFromCommandLine(commandLine, { rules: this.rules, trackUnknown: this.settings.current.trackUnknownCommands, workspace: this.workspace });
  }

  /** Skills of a task's command line; an unknown command falls back to the task's own name instead. */
  taskSkills(commandLine: string): string[] {
    return skillsFromCommandLine(commandLine, { rules: this.rules, trackUnknown: false, workspace: this.workspace });
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    if (this.isDisposed) return;
    this.reloadTimer = setTimeout(() => this.loadWorkspaceNames(), 500);
  }

  private loadWorkspaceNames(): void {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    this.workspace = readWorkspaceNames(folders);
  }

  private load(): void {
    const { rules, errors } = validateUserRules(this.settings.current.skillRules);
    this.rules = rules;
    for (const error of errors) this.log.warn(error);
    if (errors.length) {
      void vscode.window.showWarningMessage(`Session Buddy: skipped ${plural(errors.length, 'skill rule')}: ${errors[0]}`, 'Show Log').then((choice) => {
        if (choice) this.log.show();
      });
    }
  }
}
