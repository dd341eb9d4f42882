/**
 * Everything heavy the editor side uses from the core (the store with sql.js and its lock files, the
 * analytics with their statistics libraries), in one module that StoreHost loads with a dynamic
 * import after activation. The bundle evaluates it only then, so activation does not pay for it.
 */
export { AnalyticsJobRunner } from '../core/analytics/analyticsJobRunner';
export { BackgroundJobs } from '../core/analytics/backgroundJobs';
export { migrateSnapshot, plannedMigrations, plannedRollback, rollbackSnapshot } from '../core/maintenance/schemaChange';
export { JobLease } from '../core/store/jobLease';
export { SkillStore } from '../core/store/store';
export { resolveUserId } from '../core/tracking/identity';
export { SkillTracker } from '../core/tracking/tracker';
export { WindowSession } from '../core/tracking/windowSession';
export { LocalWindowData } from '../core/window/localWindowData';
