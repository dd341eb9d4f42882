-- Removes everything V1 added. Only reachable once V2..V4 are rolled back.
DROP VIEW IF EXISTS v_daily_skill_source;
DROP VIEW IF EXISTS v_top_skills;
DROP VIEW IF EXISTS v_skill_effectiveness;
DROP VIEW IF EXISTS v_session_skill_summary;
DROP TRIGGER IF EXISTS trg_session_skills_after_insert;
DROP TRIGGER IF EXISTS trg_skill_metrics_after_insert;
DROP TABLE IF EXISTS mv_daily_skills;
DROP TABLE IF EXISTS session_skills;
DROP TABLE IF EXISTS skill_metrics;
DROP TABLE IF EXISTS skill_invocation;
