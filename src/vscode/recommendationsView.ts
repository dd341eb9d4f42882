import * as vscode from 'vscode';
import type { Recommendation } from '../core/recommend/types';
import { parseRecommendationsMessage, type EmptyStateAction, type HostToRecommendations, type RecommendationItem, type RecommendationsState } from '../webview/protocol';
import type { InvocationRecorder } from './recorder';
import type { RecommendationService } from './recommendationService';
import type { SettingsWatcher } from './settings';
import type { SkillRunner } from './skillRunner';
import type { StoreHost } from './storeHost';
import { throttle } from './throttle';
import { webviewHtml, webviewOptions } from './webviewHtml';

const EMPTY_STATE_COMMANDS: Record<EmptyStateAction, string> = {
  trackSkill: 'sessionBuddy.trackSkill',
  openWalkthrough: 'sessionBuddy.openWalkthrough',
  resumeTracking: 'sessionBuddy.resumeTracking',
};

/**
 * The Recommendations webview view. The page asks for data with a ready message (nothing is posted
 * before it can listen); after that it gets the list whenever the store, the window's context or
 * the active editor changes, at most once a second and only while it is visible.
 */
export class RecommendationsViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'sessionBuddy.recommendations';
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private latest: Recommendation[] = [];
  private readonly refresh = throttle(() => void this.update(), 1000);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: StoreHost,
    private readonly service: RecommendationService,
    private readonly runner: SkillRunner,
    private readonly recorder: InvocationRecorder,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      recorder.onDidChangeContext(() => this.refresh()),
      settings.onDidChange(() => this.refresh()),
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
    );
    void host.ready.then(
      (core) => {
        this.subscriptions.push(core.store.onDidChange(() => this.refresh()));
        this.refresh();
      },
      (err: Error) => this.post({ status: 'error', message: `The database could not be opened: ${err.message}` }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, { script: 'webview.js', title: 'Recommendations' });
    view.onDidChangeVisibility(() => {
      if (view.visible) this.refresh();
    });
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
    view.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw));
  }

  /** Recomputes now (the refresh command). */
  refreshNow(): void {
    void this.update();
  }

  dispose(): void {
    this.refresh.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  private receive(raw: unknown): void {
    const message = parseRecommendationsMessage(raw);
    if (!message) {
      this.log.warn('Ignored a malformed message from the Recommendations view');
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      void this.update();
    } else if (message.type === 'action') void vscode.commands.executeCommand(EMPTY_STATE_COMMANDS[message.action]);
    else this.run(message.skill);
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

  private post(state: RecommendationsState): void {
    if (!this.view || !this.ready) return;
    const message: HostToRecommendations = { type: 'state', state };
    void this.view.webview.postMessage(message);
  }

  private async update(): Promise<void> {
    if (!this.view?.visible || !this.ready) return;
    const core = this.host.current;
    if (!core) {
      this.post({ status: 'loading' });
      return;
    }
    try {
      this.latest = await this.service.get();
      const items = await Promise.all(this.latest.map((rec) => this.item(rec)));
      const empty = !this.settings.current.trackingEnabled ? 'paused' : core.lib.hasRecordedRuns(core.store) ? 'no-match' : 'no-data';
      this.post({ status: 'ready', items, empty: items.length ? undefined : empty });
    } catch (err) {
      this.log.error(`Could not compute recommendations: ${(err as Error).message}`);
      this.post({ status: 'error', message: `Could not compute recommendations: ${(err as Error).message}` });
    }
  }

  private async item(rec: Recommendation): Promise<RecommendationItem> {
    const runLabel = this.runner.describe(await this.runner.resolve(rec.skill, rec.action));
    return { skill: rec.skill, score: rec.score, success: rec.success, reason: rec.reason, source: rec.source, runLabel };
  }
}
