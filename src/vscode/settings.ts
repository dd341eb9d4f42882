import * as vscode from 'vscode';
import type { DayBoundary } from '../core/days';

export const SECTION = 'sessionBuddy';

/** The sources a window tracks; each can be turned off on its own. */
export type TrackerSource = 'task' | 'terminal' | 'debug' | 'explicit' | 'api';

export interface Settings {
  databasePath: string;
  userId: string;
  /** false pauses every tracker, the explicit command and the API included. */
  trackingEnabled: boolean;
  trackTasks: boolean;
  trackTerminal: boolean;
  trackDebug: boolean;
  trackUnknownCommands: boolean;
  /** Raw value of sessionBuddy.skillRules; validated where it is used. */
  skillRules: unknown;
  sessionIdleMinutes: number;
  statusBarEnabled: boolean;
  retentionDays: number;
  /** Whether "today" and the dashboard's days are the user's local days or UTC days. */
  dayBoundary: DayBoundary;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    databasePath: c.get<string>('databasePath', '').trim(),
    userId: c.get<string>('userId', '').trim(),
    trackingEnabled: c.get<boolean>('tracking.enabled', true),
    trackTasks: c.get<boolean>('tracking.tasks', true),
    trackTerminal: c.get<boolean>('tracking.terminal', true),
    trackDebug: c.get<boolean>('tracking.debug', true),
    trackUnknownCommands: c.get<boolean>('trackUnknownCommands', false),
    skillRules: c.get<unknown>('skillRules', []),
    sessionIdleMinutes: Math.max(1, c.get<number>('sessionIdleMinutes', 30)),
    statusBarEnabled: c.get<boolean>('statusBar.enabled', true),
    retentionDays: Math.max(1, Math.round(c.get<number>('retentionDays', 365))),
    dayBoundary: c.get<string>('dayBoundary', 'local') === 'utc' ? 'utc' : 'local',
  };
}

/** Whether a source may record now. */
export function isTracking(settings: Settings, source: TrackerSource): boolean {
  if (!settings.trackingEnabled) return false;
  if (source === 'task') return settings.trackTasks;
  if (source === 'terminal') return settings.trackTerminal;
  if (source === 'debug') return settings.trackDebug;
  return true;
}

/** The current settings, re-read when ours change, with an event for the parts that react. */
export class SettingsWatcher implements vscode.Disposable {
  private value = readSettings();
  private readonly emitter = new vscode.EventEmitter<vscode.ConfigurationChangeEvent>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration(SECTION)) return;
    this.value = readSettings();
    this.emitter.fire(e);
  });

  get current(): Settings {
    return this.value;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
