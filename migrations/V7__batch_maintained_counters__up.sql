-- V7: skill_metrics, session_skills and skill_metrics_cache are kept up to date by the store once
-- per commit group (src/core/store/counters.ts) instead of by three AFTER INSERT triggers, which
-- cost about 30 µs per invocation in sql.js and capped recording at about 10,000 events/s. The
-- values are the triggers' own: a test applies the same events both ways and compares every column.
-- Two indexes that are the leading columns of others go too (each insert maintained both): a
-- lookup by skill uses idx_invocation_skill_time, one by session idx_invocation_session_completed.
DROP TRIGGER IF EXISTS trg_skill_metrics_after_insert;
DROP TRIGGER IF EXISTS trg_session_skills_after_insert;
DROP TRIGGER IF EXISTS trg_metrics_cache_after_insert;
DROP INDEX IF EXISTS idx_invocation_skill;
DROP INDEX IF EXISTS idx_invocation_session;
