-- V3: the workflow phase (setup / execution / verification / deployment / cleanup / rollback) and
-- the workflow step of each invocation, with per-phase views. v_skill_effectiveness_by_phase keeps
-- the anchor's percent completion_rate; v_skills_by_phase_usage.success_rate is 0..1 as in the anchor.
ALTER TABLE skill_invocation ADD COLUMN workflow_phase TEXT;
ALTER TABLE skill_invocation ADD COLUMN workflow_step_id TEXT;

CREATE INDEX idx_invocation_workflow_phase ON skill_invocation(workflow_phase) WHERE workflow_phase IS NOT NULL;
CREATE INDEX idx_invocation_workflow_step ON skill_invocation(workflow_step_id) WHERE workflow_step_id IS NOT NULL;
CREATE INDEX idx_invocation_phase_completion ON skill_invocation(workflow_phase, completed) WHERE workflow_phase IS NOT NULL;

CREATE VIEW v_skill_effectiveness_by_phase AS
SELECT
    skill_name,
    workflow_phase,
    COUNT(*) AS total_invocations,
    SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) AS completed_count,
    SUM(CASE WHEN completed = 1 THEN 0 ELSE 1 END) AS abandoned_count,
    AVG(CASE WHEN completed = 1 THEN duration_seconds END) AS avg_duration_seconds,
    AVG(CASE WHEN completed = 1 THEN duration_seconds END) AS avg_completion_time,
    CAST(SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) AS REAL) / COUNT(*) * 100.0 AS completion_rate
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY skill_name, workflow_phase;

CREATE VIEW v_workflow_phase_patterns AS
SELECT
    workflow_phase,
    COUNT(*) AS invocations_in_phase,
    COUNT(DISTINCT skill_name) AS unique_skills_in_phase,
    SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) AS successful_completions,
    AVG(duration_seconds) AS avg_phase_duration
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY workflow_phase
ORDER BY workflow_phase;

CREATE VIEW v_skills_by_phase_usage AS
SELECT
    skill_name,
    workflow_phase,
    COUNT(*) AS usage_count,
    AVG(CASE WHEN completed = 1 THEN 1.0 ELSE 0.0 END) AS success_rate
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY skill_name, workflow_phase;
