import * as vscode from 'vscode';
import { skillsFromCommandLine, validateUserRules, type UserSkillRule } from '../core/tracking/commandLine';
import type { SettingsWatcher } from './settings';

/**
 * The command-line rules with the user's `sessionBuddy.skillRules`, validated once per change of
 * the setting; invalid rules are skipped and reported (log and one notification).
 */
export class CommandRecognition implements vscode.Disposable {
  private rules: UserSkillRule[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(private readonly settings: SettingsWatcher, private readonly log: vscode.LogOutputChannel) {
    this.load();
    this.subscription = settings.onDidChange((e) => {
      if (e.affectsConfiguration('sessionBuddy.skillRules')) this.load();
    });
  }

  /** Skills of a terminal command line; unknown commands only when the user opted in. */
  terminalSkills(commandLine: string): string[] {
    return skillsFromCommandLine(commandLine, { rules: this.rules, trackUnknown: this.settings.current.trackUnknownCommands });
  }

  /** Skills of a task's command line; an unknown command falls back to the task's own name instead. */
  taskSkills(commandLine: string): string[] {
    return skillsFromCommandLine(commandLine, { rules: this.rules, trackUnknown: false });
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private load(): void {
    const { rules, errors } = validateUserRules(this.settings.current.skillRules);
    this.rules = rules;
    for (const error of errors) this.log.warn(error);
    if (errors.length) {
      void vscode.window.showWarningMessage(`Session Buddy: ${errors.length} skill rule(s) were skipped: ${errors[0]}`, 'Show Log').then((choice) => {
        if (choice) this.log.show();
      });
    }
  }
}
