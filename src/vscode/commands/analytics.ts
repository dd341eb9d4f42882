import * as vscode from 'vscode';
import { COMMANDS, type CommandId } from '../commandIds';
import { Disposable } from '../lifecycle';
import type { StoreHost } from '../storeHost';
import type { WindowData } from '../../core/window/windowData';
import { registerGuardedCommand } from './guardedCommand';
import { plural } from '../../shared/words';

const percent = (rate: number | null | undefined) => (rate === null || rate === undefined ? '–' : `${Math.round(rate * 1000) / 10}%`);

/**
 * The analytics in the palette: anomalies, trends, backfill, predictor, A/B tests, taxonomy,
 * dependencies, baselines and team profiles. Results go to a notification and the log; long work
 * shows progress.
 */
export class AnalyticsCommands extends Disposable {
  constructor(
    private readonly host: StoreHost,
    private readonly log: vscode.LogOutputChannel,
    /** Opens the dashboard's trend chart on a skill. */
    private readonly openTrend: (skill: string) => void,
  ) {
    super();
    const command = (id: CommandId, work: (window: WindowData) => Promise<unknown>) =>
      this.register(registerGuardedCommand(id, async () => work(await this.host.window), log));
    command(COMMANDS.detectAnomalies, (window) => this.detectAnomalies(window));
    command(COMMANDS.showTrend, (window) => this.showTrend(window));
    command(COMMANDS.backfillTimeSeries, (window) => this.backfill(window));
    command(COMMANDS.trainPredictor, (window) => this.trainPredictor(window));
    command(COMMANDS.createAbTest, (window) => this.createAbTest(window));
    command(COMMANDS.showAbTestResults, (window) => this.showAbResults(window));
    command(COMMANDS.stopAbTest, (window) => this.stopAbTest(window));
    command(COMMANDS.initializeTaxonomy, (window) => this.initializeTaxonomy(window));
    command(COMMANDS.updateDependencies, (window) => this.updateDependencies(window));
    command(COMMANDS.exportProfile, (window) => this.exportProfile(window));
    command(COMMANDS.importProfiles, (window) => this.importProfiles(window));
  }

  private report(message: string, detail?: string): void {
    this.log.info(detail ? `${message} ${detail}` : message);
    void vscode.window.showInformationMessage(`Session Buddy: ${message}`, ...(detail ? ['Show Log'] : [])).then((c) => c && this.log.show());
  }

  private async detectAnomalies(window: WindowData): Promise<void> {
    const found = await window.command('detectAnomalies', {});
    if (!found.length) return this.report('no anomaly: every skill behaves like its baseline.');
    const lines = found.map((a) => `${a.skill_name}: ${a.anomaly_type} of ${a.metric} (baseline ${a.baseline_value}, now ${a.observed_value}, score ${a.deviation_score.toFixed(1)})`);
    this.report(`${plural(found.length, 'anomaly')}: ${found.map((a) => `${a.skill_name} (${a.anomaly_type})`).join(', ')}.`, lines.join('; '));
  }

  private async pickSkill(window: WindowData, title: string): Promise<string | undefined> {
    const skills = await window.skillCounts(100);
    if (!skills.length) {
      void vscode.window.showInformationMessage('Session Buddy: no skill has been recorded yet.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      skills.map((s) => ({ label: s.skill_name, description: `${plural(s.total_invocations, 'run')}, ${percent(s.completion_rate)} completed` })),
      { title, matchOnDescription: true },
    );
    return picked?.label;
  }

  /** The dashboard's trend chart of the chosen skill: what exists, and whether it makes a trend yet. */
  private async showTrend(window: WindowData): Promise<void> {
    const skill = await this.pickSkill(window, 'Trend of which skill?');
    if (skill) this.openTrend(skill);
  }

  private async backfill(window: WindowData): Promise<void> {
    const days = await this.askNumber('Rebuild the hourly time series for how many days of history?', 30, 1, 3650);
    if (days === undefined) return;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Session Buddy: rebuilding the hourly time series', cancellable: false },
      async (progress) => {
        let last = 0;
        return window.command('backfillTimeSeries', { days }, (done, total) => {
          const now = Math.round((done / Math.max(1, total)) * 100);
          progress.report({ increment: now - last, message: `${done} of ${total} skills` });
          last = now;
        });
      },
    );
    this.report(`time series rebuilt over ${days} days: ${result.buckets} hourly buckets.`);
  }

  private async trainPredictor(window: WindowData): Promise<void> {
    const answer = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Session Buddy: training the success predictor', cancellable: false },
      () => window.command('trainPredictor', {}),
    );
    // Too little data yet is information, not an error.
    if ('refused' in answer) return this.report(`${answer.refused}. Training starts by itself once there are enough.`);
    const result = answer.trained;
    const important = Object.entries(result.featureImportance).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, v]) => `${name} ${v.toFixed(3)}`);
    this.report(
      `predictor trained on ${result.samples} runs: ${percent(result.accuracy)} right on the newest 20%, against ${percent(result.baselineAccuracy)} for always guessing the usual outcome.`,
      `Most useful features: ${important.join(', ')}.`,
    );
  }

  private async createAbTest(window: WindowData): Promise<void> {
    const name = await vscode.window.showInputBox({ title: 'Name of the A/B test', placeHolder: 'recommendation-strategies', validateInput: (v) => (v.trim() ? undefined : 'A name is required') });
    if (!name) return;
    const ratio = await this.askNumber('Share of users in the control group (popularity + dependencies), 0..1', 0.5, 0.01, 0.99);
    if (ratio === undefined) return;
    const minSample = await this.askNumber('Users needed in each group before a winner is declared', 100, 1, 1_000_000);
    if (minSample === undefined) return;
    const test = await window.command('createAbTest', { name: name.trim(), ratio, minSample });
    this.report(`A/B test "${test.test_name}" is running: recommendations now follow each user's group, and Run records the outcome.`);
  }

  private async pickTest(window: WindowData, running: boolean): Promise<number | undefined> {
    const tests = (await window.command('listAbTests', {})).filter((t) => !running || t.status === 'running');
    if (!tests.length) {
      void vscode.window.showInformationMessage(`Session Buddy: no ${running ? 'running ' : ''}A/B test. Create one with "Session Buddy: Create A/B Test…".`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      tests.map((t) => ({ label: t.test_name, description: t.status, detail: `${t.control_strategy} (control) against ${t.treatment_strategy}, since ${t.start_date.slice(0, 10)}`, id: t.test_id })),
      { title: 'Which A/B test?' },
    );
    return picked?.id;
  }

  private async showAbResults(window: WindowData): Promise<void> {
    const id = await this.pickTest(window, false);
    if (id === undefined) return;
    const a = await window.command('analyzeAbTest', { testId: id });
    const groups = `control ${percent(a.control.completion_rate)} of ${a.control.users} users, treatment ${percent(a.treatment.completion_rate)} of ${a.treatment.users} users`;
    const interval = a.confidence_interval ? `, difference 95% CI ${percent(a.confidence_interval.lower)} to ${percent(a.confidence_interval.upper)}` : '';
    this.report(`"${a.test_name}": ${groups}${interval}; winner: ${a.winner}.`, a.recommendation);
  }

  private async stopAbTest(window: WindowData): Promise<void> {
    const id = await this.pickTest(window, true);
    if (id === undefined) return;
    const test = await window.command('stopAbTest', { testId: id });
    this.report(`A/B test "${test.test_name}" stopped.`);
  }

  private async initializeTaxonomy(window: WindowData): Promise<void> {
    const r = await window.command('initializeTaxonomy', {});
    this.report(`taxonomy ready: ${r.categories} categories, ${r.modalities} modalities, ${r.dependencies} dependencies and ${r.mappings} skill mappings added.`);
  }

  private async updateDependencies(window: WindowData): Promise<void> {
    const r = await window.command('updateDependencies', {});
    this.report(`${r.dependencies} skill dependencies over ${r.sessions} sessions, and baselines for ${r.baselines} skills, updated.`);
  }

  private async exportProfile(window: WindowData): Promise<void> {
    const target = await vscode.window.showSaveDialog({ title: 'Export your anonymised profile', filters: { JSON: ['json'] }, saveLabel: 'Export' });
    if (!target) return;
    const profile = await window.command('exportProfile', { userId: window.userId });
    await vscode.workspace.fs.writeFile(target, Buffer.from(`${JSON.stringify(profile, null, 2)}\n`, 'utf8'));
    this.report(`profile exported to ${target.fsPath}: skill names, counts, completion rates and phases only, under a hashed user id.`);
  }

  private async importProfiles(window: WindowData): Promise<void> {
    const picked = await vscode.window.showOpenDialog({ title: 'Import teammates\u2019 profiles', canSelectFiles: true, canSelectFolders: true, canSelectMany: true, filters: { JSON: ['json'] } });
    if (!picked?.length) return;
    const result = await window.command('importProfiles', { files: picked.map((u) => u.fsPath) });
    this.report(`${plural(result.imported, 'profile')} imported, ${result.skipped} skipped; collaborative filtering and baselines now include them.`);
  }

  private async askNumber(title: string, value: number, min: number, max: number): Promise<number | undefined> {
    const text = await vscode.window.showInputBox({
      title,
      value: String(value),
      validateInput: (v) => {
        const n = Number(v);
        return v.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? undefined : `Enter a number from ${min} to ${max}`;
      },
    });
    return text === undefined ? undefined : Number(text);
  }
}
