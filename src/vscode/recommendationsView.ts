import * as vscode from 'vscode';
import { accuracySentence, type ListedSkill, type RecommendationList } from '../core/recommend/recommendationList';
import type { RecommendationItem, RecommendationsHeading, RecommendationsState, RecommendationsToHost } from '../webview/protocol';
import { EMPTY_STATE_COMMANDS } from './commandIds';
import type { InvocationRecorder } from './recorder';
import type { RecommendationService } from './recommendationService';
import type { SettingsWatcher } from './settings';
import type { SkillRunner } from './skillRunner';
import type { StoreHost } from './storeHost';
import { WebviewHost } from './webviewHost';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { parseRecommendationsMessage } from './webviewMessages';

type Ready = Extract<RecommendationsState, { status: 'ready' }>;

/** The heading's words: how often Up next was right, and the A/B group when a test decides "More". */
export function headingOf(list: Pick<RecommendationList, 'accuracy' | 'choice' | 'abTestName'>): RecommendationsHeading {
  const { accuracy, choice } = list;
  const right = accuracySentence(accuracy);
  const strategy = choice.abTest
    ? `A/B test "${list.abTestName ?? choice.abTest.testId}": you are in its ${choice.abTest.group} group, so "More" shows ${choice.strategy.replaceAll('_', ' ')}.`
    : undefined;
  return { ...(right ? { accuracy: right } : {}), ...(strategy ? { strategy } : {}) };
}

/**
 * The Recommendations webview view: Up next, Discover and More (core/recommend/recommendationList.ts)
 * for this window's user, session and active editor, refreshed when a run is recorded. Run executes an
 * item from this host's own list and records which place was chosen; Dismiss hides an item in this
 * window until it reloads.
 */
export class RecommendationsViewProvider extends WebviewHost<Ready, RecommendationsToHost> implements vscode.WebviewViewProvider {
  static readonly viewType = 'sessionBuddy.recommendations';
  private latest: RecommendationList | undefined;
  private shown: ListedSkill[] = [];
  private readonly dismissed = new Set<string>();

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
    else if (message.type === 'dismiss') this.dismiss(message.skill);
    else this.run(message.skill);
  }

  protected async compute(): Promise<Ready> {
    const list = await this.service.list();
    this.latest = list;
    this.shown = list.items.filter((item) => !this.dismissed.has(item.skill)).map((item, i) => ({ ...item, rank: i + 1 }));
    const items = await Promise.all(this.shown.map((item) => this.item(item)));
    const empty = !this.settings.current.trackingEnabled ? 'paused' : (await (await this.host.window).runState()).hasRuns ? 'no-match' : 'no-data';
    return { status: 'ready', items, heading: headingOf(list), empty: items.length ? undefined : empty };
  }

  private dismiss(skill: string): void {
    if (!this.shown.some((item) => item.skill === skill)) return;
    this.dismissed.add(skill);
    this.refresh();
  }

  private run(skill: string): void {
    // The action is taken from our own list, never from the page.
    const item = this.shown.find((r) => r.skill === skill);
    if (!item) return;
    this.recorder.expectChoice(item.skill, { rank: item.rank, alternatives: this.shown.map((r) => r.skill), testId: this.latest?.choice.abTest?.testId });
    this.runner.run(item.skill, item.action).catch((err: Error) => {
      this.log.error(`Could not run ${skill}: ${err.message}`);
      void vscode.window.showErrorMessage(`Session Buddy could not run ${skill}: ${err.message}`);
    });
  }

  private async item(listedSkill: ListedSkill): Promise<RecommendationItem> {
    const { skill, section, rank, probability, reason, action, howToRun } = listedSkill;
    const runLabel = this.runner.describe(await this.runner.resolve(skill, action));
    return { skill, section, rank, probability, reason, ...(runLabel ? { runLabel } : { howToRun }) };
  }
}
