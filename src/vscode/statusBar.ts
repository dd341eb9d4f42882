import * as vscode from 'vscode';
import { statusText } from '../core/dashboard/statusText';
import type { TodaySummary } from '../core/dashboard/today';
import { changeStartWords } from '../shared/changeWords';
import { plural } from '../shared/words';
import type { DayBoundary } from '../core/days';
import type { SettingsWatcher } from './settings';
import type { StoreHost } from './storeHost';
import { COMMANDS } from './commandIds';
import { Disposable, intervalDisposable } from './lifecycle';
import { throttle } from './throttle';

/** What the status bar shows of the team sync (src/vscode/teamSync.ts). */
export interface TeamSyncState {
  describe(): string;
  readonly onDidChange: vscode.Event<void>;
}

function tooltip(summary: TodaySummary, paused: boolean, boundary: DayBoundary, team: string | undefined): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**Session Buddy** — today (${boundary === 'utc' ? 'UTC' : 'your local day'})\n\n`);
  if (paused) md.appendMarkdown('$(debug-pause) Tracking is paused: nothing is recorded.\n\n');
  if (summary.topSkills.length === 0) md.appendMarkdown('No runs yet today.\n\n');
  for (const s of summary.topSkills) md.appendText(`${s.skill}: ${plural(s.invocations, 'run')}, ${Math.round(s.completionRate * 100)}% completed\n\n`);
  const more = summary.skills - summary.topSkills.length;
  if (more > 0) md.appendText(`and ${plural(more, 'more skill')}\n\n`);
  warnings(md, summary);
  if (team) md.appendText(`Team: ${team}\n\n`);
  md.appendMarkdown('Click to open the dashboard.');
  return md;
}

/** The newest open anomaly and the newest open regression, each with how many more there are. */
function warnings(md: vscode.MarkdownString, summary: TodaySummary): void {
  const a = summary.latestAnomaly;
  if (a) {
    md.appendMarkdown('$(warning) ');
    md.appendText(`${a.skill_name}: ${a.anomaly_type.replace('_', ' ')} since ${new Date(a.detected_at).toLocaleString()}`);
    if (summary.openAnomalies > 1) md.appendText(` (+${summary.openAnomalies - 1} more)`);
    md.appendMarkdown('\n\n');
  }
  const [r, ...more] = summary.openRegressions;
  if (r) {
    md.appendMarkdown('$(warning) ');
    md.appendText(`${r.skill}: ${r.change} since ${changeStartWords(r)}`);
    if (more.length) md.appendText(` (and ${plural(more.length, 'more open regression')})`);
    md.appendMarkdown('\n\n');
  }
}

/** What a screen reader says for the item: the text, and the warnings the colour shows. */
function accessibleLabel(summary: TodaySummary, paused: boolean): string {
  const completed = summary.completionRate === null ? '' : `, ${Math.round(summary.completionRate * 100)} percent completed`;
  const anomalies = summary.openAnomalies ? `, ${plural(summary.openAnomalies, 'open anomaly')}` : '';
  const regressions = summary.openRegressions.length ? `, ${plural(summary.openRegressions.length, 'open regression')}` : '';
  return `Session Buddy: ${paused ? 'tracking paused, ' : ''}${plural(summary.invocations, 'run')} today${completed}${anomalies}${regressions}`;
}

function warned(summary: TodaySummary): boolean {
  return summary.openAnomalies > 0 || summary.openRegressions.length > 0;
}

/**
 * Today's runs and completion in the status bar, refreshed (at most every 250 ms) when the store
 * changes, from this window, another window or the CLI, and at least once a minute for the day
 * boundary.
 */
export class SkillStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('sessionBuddy.status', vscode.StatusBarAlignment.Left, 50));
  private readonly refresh = this.register(throttle(() => this.update(), 250));

  constructor(private readonly host: StoreHost, private readonly settings: SettingsWatcher, private readonly log: vscode.LogOutputChannel, private readonly team?: TeamSyncState) {
    super();
    if (team) this.register(team.onDidChange(() => this.refresh()));
    this.item.name = 'Session Buddy';
    this.item.command = COMMANDS.showDashboard;
    this.item.text = '$(pulse) …';
    this.item.tooltip = 'Session Buddy: opening the skill store…';
    this.register(settings.onDidChange(() => this.refresh()));
    this.register(intervalDisposable(60_000, () => this.refresh()));
    void host.window.then(
      (window) => {
        this.register(window.onDidChange(() => this.refresh()));
        this.update();
      },
      () => {
        if (this.isDisposed) return;
        this.item.text = '$(pulse) $(error)';
        this.item.tooltip = 'Session Buddy could not open its database; see the log.';
      },
    );
    this.applyVisibility();
  }

  private applyVisibility(): void {
    if (this.settings.current.statusBarEnabled) this.item.show();
    else this.item.hide();
  }

  private update(): void {
    void this.render().catch((err: Error) => this.log.error(`Could not update the status bar: ${err.message}`));
  }

  private async render(): Promise<void> {
    if (this.isDisposed) return;
    this.applyVisibility();
    const window = this.host.currentWindow;
    if (!window || !this.settings.current.statusBarEnabled) return;
    const settings = this.settings.current;
    const paused = !settings.trackingEnabled;
    const summary = await window.today(new Date(), settings.dayBoundary);
    if (this.isDisposed) return;
    this.item.text = statusText(summary, paused);
    this.item.tooltip = tooltip(summary, paused, settings.dayBoundary, this.team?.describe());
    this.item.backgroundColor = warned(summary) ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = { label: accessibleLabel(summary, paused) };
  }
}
