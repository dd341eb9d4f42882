-- V10 down: removes the regression history (derived from the runs, which stay).
DROP INDEX IF EXISTS idx_skill_changes_started;
DROP TABLE IF EXISTS skill_changes;
