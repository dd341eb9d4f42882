/**
 * The one message protocol between the extension host and its webviews, imported by both sides.
 * Host → webview messages are trusted (we send them); webview → host messages are outside input
 * and are parsed on the host (vscode/webviewMessages.ts) before anything acts on them.
 */
import type { DashboardData, WorkspaceScope } from '../core/dashboard/dashboardData';

export interface RecommendationItem {
  skill: string;
  /** Up next, Discover or More (core/recommend/recommendationList.ts). */
  section: 'up-next' | 'discover' | 'more';
  /** 1-based place in the list as shown. */
  rank: number;
  /** 0..1: Up next, the chance it is the next run; Discover, the chance it is the next skill tried; More: null. */
  probability: number | null;
  reason: string;
  /** What Run does, in words; undefined when there is nothing to run. */
  runLabel?: string;
  /** When there is nothing to run: how to make it runnable. */
  howToRun?: string;
}

/** What the list is and whose it is, in words, shown above it. */
export interface RecommendationsHeading {
  /** "Up next was right 41% of the time at first place, 72% among its first three, on your last 500 runs." */
  accuracy?: string;
  /** Under an A/B test: which group this user is in and which strategy "More" follows. */
  strategy?: string;
}

/** Why the list is empty, so the empty state can say what to do. */
export type EmptyReason = 'no-data' | 'paused' | 'no-match';

export type RecommendationsState =
  | { status: 'loading' }
  | { status: 'ready'; items: RecommendationItem[]; heading: RecommendationsHeading; empty?: EmptyReason }
  | { status: 'error'; message: string };

/** Parts of the dashboard a command can scroll to. */
export type DashboardSection = 'trend-chart' | 'anomalies' | 'regressions';

export type DashboardState =
  | { status: 'loading' }
  /** `reveal` is set once, by a command that opened the dashboard to show that part. */
  | { status: 'ready'; data: DashboardData; paused: boolean; reveal?: DashboardSection; upNext?: string }
  | { status: 'error'; message: string };

export type HostToRecommendations = { type: 'state'; state: RecommendationsState };
export type HostToDashboard = { type: 'state'; state: DashboardState };

/** The dashboard's ranges a user can choose, in days. */
export const DASHBOARD_RANGES = [7, 14, 30, 90] as const;
export type DashboardRange = (typeof DASHBOARD_RANGES)[number];

/** Actions the empty state offers; each maps to one of our own commands on the host. */
export const EMPTY_STATE_ACTIONS = ['trackSkill', 'openWalkthrough', 'resumeTracking'] as const;
export type EmptyStateAction = (typeof EMPTY_STATE_ACTIONS)[number];

export type RecommendationsToHost =
  | { type: 'ready' }
  | { type: 'run'; skill: string }
  /** Hide this item until the list changes for another reason (the window forgets it on reload). */
  | { type: 'dismiss'; skill: string }
  | { type: 'action'; action: EmptyStateAction };

export const WORKSPACE_SCOPES: readonly WorkspaceScope[] = ['all', 'workspace'];

export type DashboardToHost =
  | { type: 'ready' }
  | { type: 'range'; days: DashboardRange }
  | { type: 'trendSkill'; skill: string }
  | { type: 'workspace'; scope: WorkspaceScope }
  /** Save the top-skills table the host last sent as a CSV file. */
  | { type: 'exportCsv' }
  | { type: 'action'; action: EmptyStateAction };
