import * as vscode from 'vscode';
import { alertSummary, alertsToShow, rememberShown, type AlertKind, type AlertMemory } from '../core/dashboard/alertMemory';
import type { DashboardSection } from '../webview/protocol';
import { Disposable } from './lifecycle';
import { affects, type SettingsWatcher } from './settings';
import type { StoreHost } from './storeHost';
import { throttle } from './throttle';

/** Where the keys of the alerts already shown are kept: the profile's state, shared by its windows. */
const SHOWN_KEY = 'sessionBuddy.alerts.shown';
const SHOW = 'Show';
const NEVER = "Don't Show Again";
/** Where Show takes the user: the dashboard's list of that kind of alert. */
const SECTION_OF: Record<AlertKind, DashboardSection> = { anomaly: 'anomalies', regression: 'regressions' };

function memoryOf(state: vscode.Memento): AlertMemory {
  const shown: unknown = state.get(SHOWN_KEY);
  return { shown: Array.isArray(shown) ? shown.filter((k): k is string => typeof k === 'string') : [] };
}

/**
 * Shows each alert (core/dashboard/alerts.ts) once, in one notification with Show and Don't Show Again,
 * whenever the store changes; what was shown is remembered across windows and restarts. Deciding what
 * to show and remembering it are the core's; this only reads the store, keeps the memory and asks.
 */
export class AlertNotifier extends Disposable {
  private readonly check = this.register(throttle(() => void this.notify().catch((err: Error) => this.log.warn(`Could not read the alerts: ${err.message}`)), 2000));

  constructor(
    private readonly host: StoreHost,
    private readonly state: vscode.Memento,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    /** Opens the dashboard at a section. */
    private readonly show: (section: DashboardSection) => void,
  ) {
    super();
    this.register(settings.onDidChange((e) => {
      if (affects(e, 'alerts')) this.check();
    }));
    void host.window.then((window) => {
      if (this.isDisposed) return;
      this.register(window.onDidChange(() => this.check()));
      this.check();
    }, () => undefined);
  }

  private async notify(): Promise<void> {
    const window = this.host.currentWindow;
    if (!window || this.isDisposed || !this.settings.current.notifyAlerts) return;
    const open = await window.openAlerts();
    if (this.isDisposed) return;
    const memory = memoryOf(this.state);
    const fresh = alertsToShow(open, memory);
    const next = rememberShown(memory, fresh, open);
    // Remembered before asking, so a change while the notification is up does not show it again.
    if (next.shown.join() !== memory.shown.join()) await this.state.update(SHOWN_KEY, next.shown);
    if (fresh.length === 0) return;
    const summary = alertSummary(fresh);
    this.log.info(`Alert: ${summary}`);
    const section: DashboardSection = SECTION_OF[fresh[0].kind];
    void vscode.window.showWarningMessage(`Session Buddy: ${summary}`, SHOW, NEVER).then(async (choice) => {
      if (choice === SHOW) this.show(section);
      else if (choice === NEVER) await this.settings.write('alerts.notify', false);
    });
  }
}
