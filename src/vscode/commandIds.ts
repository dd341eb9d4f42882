/**
 * Every command the extension contributes, by one name each. package.json's `contributes.commands`
 * must list exactly these and every one must be registered through this table
 * (test/unit/contributions.test.ts checks both). No vscode import, so the test reads it in Node.
 */
import type { EmptyStateAction } from '../webview/protocol';

export const COMMANDS = {
  showDashboard: 'sessionBuddy.showDashboard',
  refreshRecommendations: 'sessionBuddy.refreshRecommendations',
  trackSkill: 'sessionBuddy.trackSkill',
  markOutcome: 'sessionBuddy.markOutcome',
  showStatus: 'sessionBuddy.showStatus',
  migrate: 'sessionBuddy.migrate',
  rollback: 'sessionBuddy.rollback',
  deleteAllData: 'sessionBuddy.deleteAllData',
  openDatabaseFolder: 'sessionBuddy.openDatabaseFolder',
  showLog: 'sessionBuddy.showLog',
  pauseTracking: 'sessionBuddy.pauseTracking',
  resumeTracking: 'sessionBuddy.resumeTracking',
  openWalkthrough: 'sessionBuddy.openWalkthrough',
  detectAnomalies: 'sessionBuddy.detectAnomalies',
  showTrend: 'sessionBuddy.showTrend',
  backfillTimeSeries: 'sessionBuddy.backfillTimeSeries',
  trainPredictor: 'sessionBuddy.trainPredictor',
  createAbTest: 'sessionBuddy.createAbTest',
  showAbTestResults: 'sessionBuddy.showAbTestResults',
  stopAbTest: 'sessionBuddy.stopAbTest',
  initializeTaxonomy: 'sessionBuddy.initializeTaxonomy',
  updateDependencies: 'sessionBuddy.updateDependencies',
  exportProfile: 'sessionBuddy.exportProfile',
  importProfiles: 'sessionBuddy.importProfiles',
  startRealtimeServer: 'sessionBuddy.startRealtimeServer',
  stopRealtimeServer: 'sessionBuddy.stopRealtimeServer',
  copyRealtimeToken: 'sessionBuddy.copyRealtimeToken',
  showSharedData: 'sessionBuddy.showSharedData',
  setTeamPassword: 'sessionBuddy.setTeamPassword',
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandId = (typeof COMMANDS)[CommandName];

/** The command behind each action an empty page offers (the Recommendations view, the dashboard). */
export const EMPTY_STATE_COMMANDS: Record<EmptyStateAction, CommandId> = {
  trackSkill: COMMANDS.trackSkill,
  openWalkthrough: COMMANDS.openWalkthrough,
  resumeTracking: COMMANDS.resumeTracking,
};
