import * as vscode from 'vscode';
import type { SessionBuddyApi } from './api';
import { AgentTelemetryHost } from './vscode/agentsHost';
import { AlertNotifier } from './vscode/alertNotifier';
import { COMMANDS } from './vscode/commandIds';
import { CommandRecognition } from './vscode/commandRecognition';
import { MaintenanceCommands } from './vscode/commands/maintenance';
import { AnalyticsCommands } from './vscode/commands/analytics';
import { AnalyticsScheduler } from './vscode/analyticsScheduler';
import { registerLanguageModelTools } from './vscode/lmTools';
import { registerMcpServerProvider } from './vscode/mcpProvider';
import { RealtimeHostService } from './vscode/realtimeHost';
import { TrackSkillCommands } from './vscode/commands/trackSkill';
import { WorkerCompactionRunner } from './core/store/compactionRunner';
import { DashboardPanel } from './vscode/dashboardPanel';
import { createPublicApi } from './vscode/publicApi';
import { InvocationRecorder } from './vscode/recorder';
import { RecommendationService } from './vscode/recommendationService';
import { RecommendationsViewProvider } from './vscode/recommendationsView';
import { isTracking, SettingsWatcher } from './vscode/settings';
import { SkillRunner } from './vscode/skillRunner';
import { SkillStatusBar } from './vscode/statusBar';
import { TeamSync } from './vscode/teamSync';
import { StoreHost } from './vscode/storeHost';
import { DebugTracker } from './vscode/trackers/debugTracker';
import { TaskTracker } from './vscode/trackers/taskTracker';
import { TerminalTracker } from './vscode/trackers/terminalTracker';
import { welcomeOnFirstStart } from './vscode/welcome';

/** When the bundle's evaluation started and ended (esbuild banner and footer); absent when run from source. */
declare const __sessionBuddyLoad: { start: number; end: number } | undefined;

/** Evaluating our bundle is our own work; the host's work between loading and activating is not. */
function bundleEvaluationMs(): number {
  return typeof __sessionBuddyLoad === 'object' ? __sessionBuddyLoad.end - __sessionBuddyLoad.start : 0;
}

let host: StoreHost | undefined;
/** Outlives the subscriptions too: closing the store still logs. */
let channel: vscode.LogOutputChannel | undefined;
/** Outlives the subscriptions: the host disposes them right after calling deactivate, before its last snapshot. */
let runner: WorkerCompactionRunner | undefined;

/**
 * Wires the parts together. Everything here is synchronous and cheap: views and commands are
 * registered at once with a loading state, and the store opens in the background.
 */
export function activate(context: vscode.ExtensionContext): SessionBuddyApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Session Buddy', { log: true });
  channel = log;
  const settings = new SettingsWatcher();
  runner = new WorkerCompactionRunner(context.asAbsolutePath('dist/compact-worker.js'));
  const hostScript = context.asAbsolutePath('dist/store-host.js');
  host = new StoreHost(settings, log, { runner, analyticsWorker: context.asAbsolutePath('dist/analytics-worker.js'), hostScript });
  const recorder = new InvocationRecorder(host, settings, log);
  const recognition = new CommandRecognition(settings, log);
  const recommendations = new RecommendationService(host, recorder);
  const skillRunner = new SkillRunner(recognition, log);
  const view = new RecommendationsViewProvider(context.extensionUri, host, recommendations, skillRunner, recorder, settings, log);
  const dashboard = new DashboardPanel(context.extensionUri, host, settings, log);
  const tasks = new TaskTracker(recorder, recognition, log);
  const team = new TeamSync(host, settings, context.secrets, log);

  context.subscriptions.push(
    settings,
    host,
    recorder,
    recognition,
    view,
    dashboard,
    tasks,
    new TerminalTracker(recorder, recognition, tasks, log),
    new DebugTracker(recorder, log),
    vscode.window.registerWebviewViewProvider(RecommendationsViewProvider.viewType, view),
    team,
    new SkillStatusBar(host, settings, log, team),
    new AlertNotifier(host, context.globalState, settings, log, (reveal) => dashboard.show({ reveal })),
    vscode.commands.registerCommand(COMMANDS.showDashboard, () => dashboard.show()),
    vscode.commands.registerCommand(COMMANDS.refreshRecommendations, () => view.update()),
    new TrackSkillCommands(host, recorder, log),
    new MaintenanceCommands(host, recorder, settings, log, team),
    new AnalyticsCommands(host, log, (skill) => dashboard.show({ trendSkill: skill, reveal: 'trend-chart' })),
    new AnalyticsScheduler(host, settings, log, hostScript),
    registerLanguageModelTools(context, host, { mayRecord: () => isTracking(settings.current, 'api'), log }),
    new RealtimeHostService(context, host, settings, log, hostScript),
    new AgentTelemetryHost(context, host, settings, recognition, log),
    registerMcpServerProvider(context, {
      enabled: () => settings.current.mcpServerEnabled,
      databasePath: () => settings.current.databasePath,
      userId: () => settings.current.userId,
      storeHost: () => settings.current.storeHostEnabled,
      onDidChange: settings.onDidChange,
    }, log),
  );

  const load = bundleEvaluationMs();
  const activation = performance.now() - started;
  log.info(`Activated in ${Math.round(load + activation)} ms (bundle ${Math.round(load)} ms + activate ${Math.round(activation)} ms); views show a loading state until the store is open`);
  void host.window.then((window) => log.info(`Store ready ${Math.round(performance.now() - started)} ms after activation (served by ${window.servedBy})`), () => undefined);
  welcomeOnFirstStart(context.globalState, context.globalStorageUri, host).catch((err: Error) => log.warn(`Could not open the walkthrough: ${err.message}`));
  return createPublicApi(recorder, recommendations);
}

/** Ends the window's session and writes this window's events into the snapshot. */
export async function deactivate(): Promise<void> {
  try {
    await host?.close();
  } finally {
    runner?.dispose();
    channel?.dispose();
    host = undefined;
    runner = undefined;
    channel = undefined;
  }
}
