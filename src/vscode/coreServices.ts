/**
 * Everything heavy the editor side uses from the core (the store with sql.js and its lock files, the
 * analytics with their statistics libraries), in one module that StoreHost loads with a dynamic
 * import after activation. The bundle evaluates it only then, so activation does not pay for it.
 */
export { analyzeAbTest, createAbTest, listAbTests, stopAbTest } from '../core/analytics/abTesting';
export { AnalyticsJobRunner } from '../core/analytics/analyticsJobRunner';
export { BackgroundJobs } from '../core/analytics/backgroundJobs';
export { detectAnomalies } from '../core/analytics/anomalies';
export { PredictorRefusal } from '../core/analytics/predictor';
export { exportProfile, importProfiles } from '../core/analytics/profiles';
export { initializeTaxonomy } from '../core/analytics/taxonomy';
export { backfillTimeSeries } from '../core/analytics/timeSeries';
export { getSkillTrend, TREND_METRICS } from '../core/analytics/trend';
export { STRATEGY_BY_GROUP } from '../core/recommend/strategy';
export { getTodaySummary } from '../core/dashboard/today';
export { deleteAllData } from '../core/maintenance/deleteAllData';
export { migrateSnapshot, plannedMigrations, plannedRollback, rollbackSnapshot } from '../core/maintenance/schemaChange';
export { getStoreStatus } from '../core/maintenance/storeStatus';
export { getRecommendations } from '../core/recommend/engine';
export { JobLease } from '../core/store/jobLease';
export { SkillStore } from '../core/store/store';
export { resolveUserId } from '../core/tracking/identity';
export { SkillTracker } from '../core/tracking/tracker';
export { WindowSession } from '../core/tracking/windowSession';
export { LocalWindowData } from '../core/window/localWindowData';
export { parseTeamServer, withTeam } from '../core/team/connection';
export { pullFromTeam } from '../core/team/pull';
export { pushToTeam } from '../core/team/push';
export { pendingCount, pendingRows } from '../core/team/shared';
export { leaveTeam } from '../core/team/admin';
export { readTeamInfo, teamSyncRowsFor } from '../core/team/teamInfo';
