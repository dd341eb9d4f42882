import * as vscode from 'vscode';
import type { DashboardRange, DashboardState, DashboardToHost } from '../webview/protocol';
import { toDisposable } from './lifecycle';
import type { SettingsWatcher } from './settings';
import type { Core, StoreHost } from './storeHost';
import { WebviewHost } from './webviewHost';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { parseDashboardMessage } from './webviewMessages';

type Ready = Extract<DashboardState, { status: 'ready' }>;

/** The dashboard panel (one per window). */
export class DashboardPanel extends WebviewHost<Ready, DashboardToHost> {
  static readonly viewType = 'sessionBuddy.dashboard';
  private panel: vscode.WebviewPanel | undefined;
  /** What the page chose: the range and the skill of the trend chart. */
  private days: DashboardRange = 14;
  private trendSkill: string | undefined;

  constructor(private readonly extensionUri: vscode.Uri, host: StoreHost, private readonly settings: SettingsWatcher, log: vscode.LogOutputChannel) {
    super(host, log, { page: 'dashboard', failure: 'Could not read the dashboard data' });
    this.register(toDisposable(() => this.panel?.dispose()));
  }

  /** Opens (or reveals) the dashboard; `trendSkill` chooses the skill of its trend chart. */
  show(options: { trendSkill?: string } = {}): void {
    if (this.isDisposed) return;
    if (options.trendSkill) this.trendSkill = options.trendSkill;
    if (this.panel) {
      this.panel.reveal();
      void this.update();
      return;
    }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'Session Buddy Dashboard', vscode.ViewColumn.Active, webviewOptions(this.extensionUri));
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, { script: 'dashboard.js', title: 'Session Buddy Dashboard', bodyClass: 'panel' });
    const connection = this.attach(panel.webview, () => panel.visible);
    const visibility = panel.onDidChangeViewState(() => {
      if (panel.visible) this.refresh();
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
      visibility.dispose();
      connection.dispose();
    });
    this.panel = panel;
  }

  protected parse(raw: unknown): DashboardToHost | undefined {
    return parseDashboardMessage(raw);
  }

  protected receive(message: Exclude<DashboardToHost, { type: 'ready' }>): void {
    if (message.type === 'range') this.days = message.days;
    else this.trendSkill = message.skill;
    void this.update();
  }

  protected compute(core: Core): Ready {
    return { status: 'ready', data: core.lib.getDashboardData(core.store, { days: this.days, trendSkill: this.trendSkill, boundary: this.settings.current.dayBoundary }) };
  }
}
