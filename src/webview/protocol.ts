/**
 * The one message protocol between the extension host and its webviews, imported by both sides.
 * Host → webview messages are trusted (we send them); webview → host messages are outside input
 * and are parsed on the host (vscode/webviewMessages.ts) before anything acts on them.
 */
import type { DashboardData, WorkspaceScope } from '../core/dashboard/dashboardData';
import type { SuccessFigures } from '../core/recommend/types';

export interface RecommendationItem {
  skill: string;
  /** 0..1 */
  score: number;
  /** What was observed and what is estimated, kept apart. */
  success: SuccessFigures;
  reason: string;
  source: string;
  /** What Run does, in words; undefined when there is nothing to run. */
  runLabel?: string;
}

/** Why the list is empty, so the empty state can say what to do. */
export type EmptyReason = 'no-data' | 'paused' | 'no-match';

export type RecommendationsState =
  | { status: 'loading' }
  | { status: 'ready'; items: RecommendationItem[]; empty?: EmptyReason }
  | { status: 'error'; message: string };

/** Parts of the dashboard a command can scroll to. */
export type DashboardSection = 'trend-chart' | 'anomalies' | 'regressions';

export type DashboardState =
  | { status: 'loading' }
  /** `reveal` is set once, by a command that opened the dashboard to show that part. */
  | { status: 'ready'; data: DashboardData; paused: boolean; reveal?: DashboardSection }
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
