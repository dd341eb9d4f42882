-- Removes the two V3 columns, their indexes and views, and keeps every row, the embedding column
-- and every trigger (DROP COLUMN rebuilds the table in place).
DROP VIEW IF EXISTS v_skills_by_phase_usage;
DROP VIEW IF EXISTS v_workflow_phase_patterns;
DROP VIEW IF EXISTS v_skill_effectiveness_by_phase;
DROP INDEX IF EXISTS idx_invocation_phase_completion;
DROP INDEX IF EXISTS idx_invocation_workflow_step;
DROP INDEX IF EXISTS idx_invocation_workflow_phase;
ALTER TABLE skill_invocation DROP COLUMN workflow_step_id;
ALTER TABLE skill_invocation DROP COLUMN workflow_phase;
