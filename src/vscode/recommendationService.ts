import * as vscode from 'vscode';
import { isTestFileName } from '../core/recommend/testFile';
import type { RecommendationList } from '../core/recommend/recommendationList';
import type { Recommendation, RecommendationContext } from '../core/recommend/types';
import type { InvocationRecorder } from './recorder';
import type { StoreHost } from './storeHost';

const EDITOR_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);

/** What the caller may set; the rest comes from this window (last skill, failures, active editor). */
export type RecommendationQuery = Partial<Omit<RecommendationContext, 'userId'>> & { userId?: string };

/** Recommendations for this window's situation, shared by the view and the public API. */
export class RecommendationService {
  constructor(private readonly host: StoreHost, private readonly recorder: InvocationRecorder) {}

  context(query: RecommendationQuery, userId: string): RecommendationContext {
    const editor = vscode.window.activeTextEditor;
    const document = editor && EDITOR_SCHEMES.has(editor.document.uri.scheme) ? editor.document : undefined;
    return {
      lastSkill: query.lastSkill ?? this.recorder.lastSkill,
      languageId: query.languageId ?? document?.languageId,
      isTestFile: query.isTestFile ?? (document ? isTestFileName(document.uri.path) : undefined),
      recentFailures: query.recentFailures ?? this.recorder.recentFailures,
      userId: query.userId ?? userId,
      limit: query.limit,
    };
  }

  /** The candidates of every source, ranked by the user's strategy (the API's getRecommendations). */
  async get(query: RecommendationQuery = {}): Promise<Recommendation[]> {
    const window = await this.host.window;
    return window.rankedRecommendations(this.context(query, window.userId));
  }

  /**
   * Up next, Discover and More, as the sidebar shows them, for this window's user now. No session is
   * named: the user's last run, in whichever window or terminal, continues the context unless it was
   * half an hour ago, as a person works across windows.
   */
  async list(query: RecommendationQuery = {}): Promise<RecommendationList> {
    const window = await this.host.window;
    return window.recommendationList(this.context(query, window.userId));
  }
}
