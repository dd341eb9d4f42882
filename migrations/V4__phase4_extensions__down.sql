-- Removes exactly what V4 added and keeps every V1-V3 object and row: invocations, metrics,
-- session links and daily roll-ups survive (the anchor's down dropped the whole schema).
-- The safe metrics trigger and the normalised timestamps stay: they are the V1 trigger and data.
DROP VIEW IF EXISTS v_multimodal_skill_catalog;
DROP VIEW IF EXISTS v_ab_test_summary;
DROP VIEW IF EXISTS v_skill_dependency_network;
DROP VIEW IF EXISTS v_community_baseline_comparison;
DROP VIEW IF EXISTS v_skill_effectiveness_trend;
DROP VIEW IF EXISTS v_realtime_skill_dashboard;
DROP TRIGGER IF EXISTS trg_metrics_cache_after_insert;
DROP TABLE IF EXISTS skill_modalities;
DROP TABLE IF EXISTS skill_dependencies;
DROP TABLE IF EXISTS skill_category_mapping;
DROP TABLE IF EXISTS skill_categories;
DROP TABLE IF EXISTS ab_test_outcomes;
DROP TABLE IF EXISTS ab_test_assignments;
DROP TABLE IF EXISTS ab_test_configs;
DROP TABLE IF EXISTS skill_cluster_membership;
DROP TABLE IF EXISTS skill_clusters;
DROP TABLE IF EXISTS skill_user_interactions;
DROP TABLE IF EXISTS skill_community_baselines;
DROP TABLE IF EXISTS skill_anomalies;
DROP TABLE IF EXISTS skill_time_series;
DROP TABLE IF EXISTS skill_metrics_cache;
DROP INDEX IF EXISTS idx_invocation_skill_time;
DELETE FROM sqlite_sequence WHERE name IN ('skill_time_series', 'skill_anomalies', 'skill_user_interactions',
    'skill_clusters', 'ab_test_configs', 'ab_test_assignments', 'ab_test_outcomes', 'skill_categories');
