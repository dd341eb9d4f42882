import * as vscode from 'vscode';
import { COMMANDS, type CommandId } from '../commandIds';
import { Disposable } from '../lifecycle';
import type { Core, StoreHost } from '../storeHost';
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
    // Too little data yet is information, not an error.
    const tooLittleData = async (err: unknown) => {
      if (!(err instanceof (await this.host.ready).lib.PredictorRefusal)) return false;
      this.report(`${err.message}. Training starts by itself once there are enough.`);
      return true;
    };
    const command = (id: CommandId, work: (core: Core) => Promise<unknown>) =>
      this.register(registerGuardedCommand(id, async () => work(await this.host.ready), log, tooLittleData));
    command(COMMANDS.detectAnomalies, (core) => this.detectAnomalies(core));
    // The trend is the dashboard's chart: picking its skill needs only the counters the window's data gives.
    this.register(registerGuardedCommand(COMMANDS.showTrend, () => this.showTrend(), log, tooLittleData));
    command(COMMANDS.backfillTimeSeries, (core) => this.backfill(core));
    command(COMMANDS.trainPredictor, (core) => this.trainPredictor(core));
    command(COMMANDS.createAbTest, (core) => this.createAbTest(core));
    command(COMMANDS.showAbTestResults, (core) => this.showAbResults(core));
    command(COMMANDS.stopAbTest, (core) => this.stopAbTest(core));
    command(COMMANDS.initializeTaxonomy, (core) => this.initializeTaxonomy(core));
    command(COMMANDS.updateDependencies, (core) => this.updateDependencies(core));
    command(COMMANDS.exportProfile, (core) => this.exportProfile(core));
    command(COMMANDS.importProfiles, (core) => this.importProfiles(core));
  }

  private report(message: string, detail?: string): void {
    this.log.info(detail ? `${message} ${detail}` : message);
    void vscode.window.showInformationMessage(`Session Buddy: ${message}`, ...(detail ? ['Show Log'] : [])).then((c) => c && this.log.show());
  }

  private async detectAnomalies(core: Core): Promise<void> {
    const found = await core.lib.detectAnomalies(core.store, {});
    if (!found.length) return this.report('no anomaly: every skill behaves like its baseline.');
    const lines = found.map((a) => `${a.skill_name}: ${a.anomaly_type} of ${a.metric} (baseline ${a.baseline_value}, now ${a.observed_value}, score ${a.deviation_score.toFixed(1)})`);
    this.report(`${plural(found.length, 'anomaly')}: ${found.map((a) => `${a.skill_name} (${a.anomaly_type})`).join(', ')}.`, lines.join('; '));
  }

  private async pickSkill(title: string): Promise<string | undefined> {
    const skills = await (await this.host.window).skillCounts(100);
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
  private async showTrend(): Promise<void> {
    const skill = await this.pickSkill('Trend of which skill?');
    if (skill) this.openTrend(skill);
  }

  private async backfill(core: Core): Promise<void> {
    const days = await this.askNumber('Rebuild the hourly time series for how many days of history?', 30, 1, 3650);
    if (days === undefined) return;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Session Buddy: rebuilding the hourly time series', cancellable: false },
      async (progress) => {
        let last = 0;
        return core.lib.backfillTimeSeries(core.store, {
          days,
          onProgress: (done, total) => {
            const now = Math.round((done / Math.max(1, total)) * 100);
            progress.report({ increment: now - last, message: `${done} of ${total} skills` });
            last = now;
          },
        });
      },
    );
    this.report(`time series rebuilt over ${days} days: ${result.buckets} hourly buckets.`);
  }

  private async trainPredictor(core: Core): Promise<void> {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Session Buddy: training the success predictor', cancellable: false },
      async () => (await core.jobs.run(core.store, { kind: 'predictor', days: 30 })).summary,
    );
    const important = Object.entries(result.featureImportance).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, v]) => `${name} ${v.toFixed(3)}`);
    this.report(
      `predictor trained on ${result.samples} runs: ${percent(result.accuracy)} right on the newest 20%, against ${percent(result.baselineAccuracy)} for always guessing the usual outcome.`,
      `Most useful features: ${important.join(', ')}.`,
    );
  }

  private async createAbTest(core: Core): Promise<void> {
    const name = await vscode.window.showInputBox({ title: 'Name of the A/B test', placeHolder: 'recommendation-strategies', validateInput: (v) => (v.trim() ? undefined : 'A name is required') });
    if (!name) return;
    const ratio = await this.askNumber('Share of users in the control group (popularity + dependencies), 0..1', 0.5, 0.01, 0.99);
    if (ratio === undefined) return;
    const minSample = await this.askNumber('Users needed in each group before a winner is declared', 100, 1, 1_000_000);
    if (minSample === undefined) return;
    const test = await core.lib.createAbTest(core.store, {
      test_name: name.trim(),
      control_strategy: core.lib.STRATEGY_BY_GROUP.control,
      treatment_strategy: core.lib.STRATEGY_BY_GROUP.treatment,
      assignment_ratio: ratio,
      min_sample_size: minSample,
    });
    this.report(`A/B test "${test.test_name}" is running: recommendations now follow each user's group, and Run records the outcome.`);
  }

  private async pickTest(core: Core, running: boolean): Promise<number | undefined> {
    const tests = core.lib.listAbTests(core.store).filter((t) => !running || t.status === 'running');
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

  private async showAbResults(core: Core): Promise<void> {
    const id = await this.pickTest(core, false);
    if (id === undefined) return;
    const a = core.lib.analyzeAbTest(core.store, id);
    const groups = `control ${percent(a.control.completion_rate)} of ${a.control.users} users, treatment ${percent(a.treatment.completion_rate)} of ${a.treatment.users} users`;
    const interval = a.confidence_interval ? `, difference 95% CI ${percent(a.confidence_interval.lower)} to ${percent(a.confidence_interval.upper)}` : '';
    this.report(`"${a.test_name}": ${groups}${interval}; winner: ${a.winner}.`, a.recommendation);
  }

  private async stopAbTest(core: Core): Promise<void> {
    const id = await this.pickTest(core, true);
    if (id === undefined) return;
    const test = await core.lib.stopAbTest(core.store, id);
    this.report(`A/B test "${test.test_name}" stopped.`);
  }

  private async initializeTaxonomy(core: Core): Promise<void> {
    const r = await core.lib.initializeTaxonomy(core.store);
    this.report(`taxonomy ready: ${r.categories} categories, ${r.modalities} modalities, ${r.dependencies} dependencies and ${r.mappings} skill mappings added.`);
  }

  private async updateDependencies(core: Core): Promise<void> {
    const deps = (await core.jobs.run(core.store, { kind: 'dependencies' })).summary;
    const baselines = (await core.jobs.run(core.store, { kind: 'baselines' })).summary;
    this.report(`${deps.dependencies_created} skill dependencies over ${deps.sessions} sessions, and baselines for ${baselines.skills_updated} skills, updated.`);
  }

  private async exportProfile(core: Core): Promise<void> {
    const target = await vscode.window.showSaveDialog({ title: 'Export your anonymised profile', filters: { JSON: ['json'] }, saveLabel: 'Export' });
    if (!target) return;
    const profile = core.lib.exportProfile(core.store, core.userId);
    await vscode.workspace.fs.writeFile(target, Buffer.from(`${JSON.stringify(profile, null, 2)}\n`, 'utf8'));
    this.report(`profile exported to ${target.fsPath}: skill names, counts, completion rates and phases only, under a hashed user id.`);
  }

  private async importProfiles(core: Core): Promise<void> {
    const picked = await vscode.window.showOpenDialog({ title: 'Import teammates\u2019 profiles', canSelectFiles: true, canSelectFolders: true, canSelectMany: true, filters: { JSON: ['json'] } });
    if (!picked?.length) return;
    const result = await core.lib.importProfiles(core.store, picked.map((u) => u.fsPath));
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
