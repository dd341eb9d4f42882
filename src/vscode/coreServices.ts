/**
 * Everything heavy the editor side uses from the core (the store with sql.js and its lock files, the
 * analytics with their statistics libraries), in one module that StoreHost loads with a dynamic
 * import after activation. The bundle evaluates it only then, so activation does not pay for it.
 */
export { completeDueAbTests, recordAbOutcome } from '../core/analytics/abTesting';
export { applyRetention } from '../core/analytics/retention';
export { getDashboardData, hasRecordedRuns } from '../core/dashboard/dashboardData';
export { getTodaySummary, statusText } from '../core/dashboard/today';
export { deleteAllData } from '../core/maintenance/deleteAllData';
export { migrateSnapshot, plannedMigrations, plannedRollback, rollbackSnapshot } from '../core/maintenance/schemaChange';
export { getStoreStatus } from '../core/maintenance/storeStatus';
export { getRecommendations } from '../core/recommend/engine';
export { SkillStore } from '../core/store/store';
export { resolveUserId } from '../core/tracking/identity';
export { SkillTracker } from '../core/tracking/tracker';
export { WindowSession } from '../core/tracking/windowSession';
