import * as vscode from 'vscode';
import { parseDashboardMessage, type DashboardRange, type DashboardState, type HostToDashboard } from '../webview/protocol';
import type { SettingsWatcher } from './settings';
import type { StoreHost } from './storeHost';
import { throttle } from './throttle';
import { webviewHtml, webviewOptions } from './webviewHtml';

/**
 * The dashboard panel (one per window). It re-reads the replica when the store changes, which
 * includes events from other windows and the CLI (the store polls for them every second), at most
 * once a second and only while the panel is visible.
 */
export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'sessionBuddy.dashboard';
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private readonly refresh = throttle(() => this.update(), 1000);
  private storeSubscription: vscode.Disposable | undefined;
  /** What the page chose: the range and the skill of the trend chart. */
  private days: DashboardRange = 14;
  private trendSkill: string | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: StoreHost,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Opens (or reveals) the dashboard; `trendSkill` chooses the skill of its trend chart. */
  show(options: { trendSkill?: string } = {}): void {
    if (options.trendSkill) this.trendSkill = options.trendSkill;
    if (this.panel) {
      this.panel.reveal();
      this.update();
      return;
    }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'Session Buddy Dashboard', vscode.ViewColumn.Active, webviewOptions(this.extensionUri));
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, { script: 'dashboard.js', title: 'Session Buddy Dashboard', bodyClass: 'panel' });
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseDashboardMessage(raw);
      if (!message) return this.log.warn('Ignored a malformed message from the dashboard');
      if (message.type === 'ready') this.ready = true;
      else if (message.type === 'range') this.days = message.days;
      else this.trendSkill = message.skill;
      this.update();
    });
    panel.onDidChangeViewState(() => {
      if (panel.visible) this.refresh();
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
      this.storeSubscription?.dispose();
      this.storeSubscription = undefined;
    });
    this.panel = panel;
    this.ready = false;
    void this.host.ready.then(
      (core) => {
        if (this.panel !== panel) return;
        this.storeSubscription = core.store.onDidChange(() => this.refresh());
        this.update();
      },
      (err: Error) => this.post({ status: 'error', message: `The database could not be opened: ${err.message}` }),
    );
  }

  dispose(): void {
    this.refresh.dispose();
    this.storeSubscription?.dispose();
    this.panel?.dispose();
  }

  private post(state: DashboardState): void {
    if (!this.panel || !this.ready) return;
    const message: HostToDashboard = { type: 'state', state };
    void this.panel.webview.postMessage(message);
  }

  private update(): void {
    if (!this.panel?.visible || !this.ready) return;
    const core = this.host.current;
    if (!core) return this.post({ status: 'loading' });
    try {
      const data = core.lib.getDashboardData(core.store, { days: this.days, trendSkill: this.trendSkill, boundary: this.settings.current.dayBoundary });
      this.post({ status: 'ready', data });
    } catch (err) {
      this.log.error(`Could not read the dashboard data: ${(err as Error).message}`);
      this.post({ status: 'error', message: `Could not read the dashboard data: ${(err as Error).message}` });
    }
  }
}
