import os from 'node:os';
import * as vscode from 'vscode';
import { topSkillsCsv } from '../core/dashboard/csv';
import type { DashboardData, WorkspaceScope } from '../core/dashboard/dashboardData';
import { accuracySentence } from '../core/recommend/recommendationList';
import { plural } from '../shared/words';
import type { DashboardRange, DashboardSection, DashboardState, DashboardToHost } from '../webview/protocol';
import { EMPTY_STATE_COMMANDS } from './commandIds';
import { toDisposable } from './lifecycle';
import type { SettingsWatcher } from './settings';
import type { StoreHost } from './storeHost';
import { WebviewHost } from './webviewHost';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { parseDashboardMessage } from './webviewMessages';

type Ready = Extract<DashboardState, { status: 'ready' }>;

/** What opens the dashboard may choose: the trend chart's skill, and a part to scroll to. */
export interface DashboardShowOptions {
  trendSkill?: string;
  reveal?: DashboardSection;
}

/** The window's workspace folder, as the window's sessions record it (storeHost.ts). */
function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.toString();
}

/** The dashboard panel (one per window). */
export class DashboardPanel extends WebviewHost<Ready, DashboardToHost> {
  static readonly viewType = 'sessionBuddy.dashboard';
  private panel: vscode.WebviewPanel | undefined;
  /** What the page chose: the range, the skill of the trend chart, whose runs. */
  private days: DashboardRange = 14;
  private trendSkill: string | undefined;
  private workspace: WorkspaceScope = 'all';
  /** A part to scroll to with the next state. */
  private reveal: DashboardSection | undefined;
  /** What the page shows, so an export writes exactly that table. */
  private latest: DashboardData | undefined;

  constructor(private readonly extensionUri: vscode.Uri, host: StoreHost, private readonly settings: SettingsWatcher, log: vscode.LogOutputChannel) {
    super(host, log, { page: 'dashboard', failure: 'Could not read the dashboard data' });
    this.register(toDisposable(() => this.panel?.dispose()));
    this.register(settings.onDidChange(() => this.refresh()));
  }

  /** Opens (or reveals) the dashboard. */
  show(options: DashboardShowOptions = {}): void {
    if (this.isDisposed) return;
    if (options.trendSkill) this.trendSkill = options.trendSkill;
    this.reveal = options.reveal;
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
    switch (message.type) {
      case 'range':
        this.days = message.days;
        break;
      case 'trendSkill':
        this.trendSkill = message.skill;
        break;
      case 'workspace':
        this.workspace = message.scope;
        break;
      case 'exportCsv':
        void this.exportCsv();
        return;
      case 'action':
        void vscode.commands.executeCommand(EMPTY_STATE_COMMANDS[message.action]);
        return;
    }
    void this.update();
  }

  protected async compute(): Promise<Ready> {
    const window = await this.host.window;
    const { data, accuracy } = await window.dashboard({
      days: this.days,
      trendSkill: this.trendSkill,
      boundary: this.settings.current.dayBoundary,
      projectPath: workspaceFolder(),
      workspace: this.workspace,
    });
    this.latest = data;
    const reveal = this.reveal;
    this.reveal = undefined;
    const upNext = accuracySentence(accuracy);
    return { status: 'ready', data: this.latest, paused: !this.settings.current.trackingEnabled, reveal, ...(upNext ? { upNext } : {}) };
  }

  /** Saves the top-skills table the page shows (range and workspace as chosen) as CSV. */
  private async exportCsv(): Promise<void> {
    const data = this.latest;
    if (!data) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
    const target = await vscode.window.showSaveDialog({
      title: 'Export the top skills as CSV',
      defaultUri: vscode.Uri.joinPath(folder, `session-buddy-top-skills-${data.range.from}-to-${data.range.to}.csv`),
      filters: { CSV: ['csv'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(topSkillsCsv(data.topSkills), 'utf8'));
    const what = `${plural(data.topSkills.length, 'skill')} to ${target.fsPath}`;
    this.log.info(`Exported the top skills (${what})`);
    void vscode.window.showInformationMessage(`Session Buddy: exported ${what}.`);
  }
}
