import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { parseSettings, SECTION, SETTING_DEFAULTS, type SettingKey, type SettingScope, type Settings } from './settingsSchema';

export type { Settings } from './settingsSchema';

/** The sources a window tracks; each can be turned off on its own. */
export type TrackerSource = 'task' | 'terminal' | 'debug' | 'explicit' | 'api';

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return parseSettings((key) => c.get(key, SETTING_DEFAULTS[key]));
}

/** Whether a source may record now. */
export function isTracking(settings: Settings, source: TrackerSource): boolean {
  if (!settings.trackingEnabled) return false;
  if (source === 'task') return settings.trackTasks;
  if (source === 'terminal') return settings.trackTerminal;
  if (source === 'debug') return settings.trackDebug;
  return true;
}

/** Whether a change touches any of these settings (typed keys, so a renamed setting fails to compile). */
export function affects(e: vscode.ConfigurationChangeEvent, ...scopes: SettingScope[]): boolean {
  return scopes.some((scope) => e.affectsConfiguration(`${SECTION}.${scope}`));
}

/** The current settings, re-read when ours change, with the one change event every part listens to. */
export class SettingsWatcher extends Disposable {
  private value = readSettings();
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.ConfigurationChangeEvent>());
  readonly onDidChange = this.emitter.event;

  constructor() {
    super();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      this.value = readSettings();
      this.emitter.fire(e);
    }));
  }

  get current(): Settings {
    return this.value;
  }

  /** Changes a setting where it is in effect: a workspace value would override a user value. */
  async write(key: SettingKey, value: unknown): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const target = config.inspect(key)?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await config.update(key, value, target);
  }
}
