import * as vscode from 'vscode';
import type { Recommendation } from '../core/recommend/types';
import type { RecommendationItem, RecommendationsState, RecommendationsToHost } from '../webview/protocol';
import { EMPTY_STATE_COMMANDS } from './commandIds';
import type { InvocationRecorder } from './recorder';
import type { RecommendationService } from './recommendationService';
import type { SettingsWatcher } from './settings';
import type { SkillRunner } from './skillRunner';
import type { Core, StoreHost } from './storeHost';
import { WebviewHost } from './webviewHost';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { parseRecommendationsMessage } from './webviewMessages';

type Ready = Extract<RecommendationsState, { status: 'ready' }>;

/**
 * The Recommendations webview view: the list follows the store, the window's context (last skill,
 * recent failures) and the active editor. Run executes an item from this host's own list.
 */
export class RecommendationsViewProvider extends WebviewHost<Ready, RecommendationsToHost> implements vscode.WebviewViewProvider {
  static readonly viewType = 'sessionBuddy.recommendations';
  private latest: Recommendation[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    host: StoreHost,
    private readonly service: RecommendationService,
    private readonly runner: SkillRunner,
    private readonly recorder: InvocationRecorder,
    private readonly settings: SettingsWatcher,
    log: vscode.LogOutputChannel,
  ) {
    super(host, log, { page: 'Recommendations view', failure: 'Could not compute recommendations' });
    this.register(recorder.onDidChangeContext(() => this.refresh()));
    this.register(settings.onDidChange(() => this.refresh()));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.refresh()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    if (this.isDisposed) return;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, { script: 'webview.js', title: 'Recommendations' });
    const connection = this.attach(view.webview, () => view.visible);
    const visibility = view.onDidChangeVisibility(() => {
      if (view.visible) this.refresh();
    });
    view.onDidDispose(() => {
      visibility.dispose();
      connection.dispose();
    });
  }

  protected parse(raw: unknown): RecommendationsToHost | undefined {
    return parseRecommendationsMessage(raw);
  }

  protected receive(message: Exclude<RecommendationsToHost, { type: 'ready' }>): void {
    if (message.type === 'action') void vscode.commands.executeCommand(EMPTY_STATE_COMMANDS[message.action]);
    else this.run(message.skill);
  }

  protected async compute(core: Core): Promise<Ready> {
    this.latest = await this.service.get();
    const items = await Promise.all(this.latest.map((rec) => this.item(rec)));
    const empty = !this.settings.current.trackingEnabled ? 'paused' : core.lib.hasRecordedRuns(core.store) ? 'no-match' : 'no-data';
    return { status: 'ready', items, empty: items.length ? undefined : empty };
  }

  private run(skill: string): void {
    // The action is taken from our own list, never from the page.
    const rec = this.latest.find((r) => r.skill === skill);
    if (!rec) return;
    if (rec.abTest) this.recorder.expectAbOutcome(rec.skill, rec.abTest.testId);
    this.runner.run(rec.skill, rec.action).catch((err: Error) => {
      this.log.error(`Could not run ${skill}: ${err.message}`);
      void vscode.window.showErrorMessage(`Session Buddy could not run ${skill}: ${err.message}`);
    });
  }

  private async item(rec: Recommendation): Promise<RecommendationItem> {
    const runLabel = this.runner.describe(await this.runner.resolve(rec.skill, rec.action));
    return { skill: rec.skill, score: rec.score, success: rec.success, reason: rec.reason, source: rec.source, runLabel };
  }
}
