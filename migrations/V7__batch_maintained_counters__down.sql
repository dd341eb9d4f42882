-- Restores the three triggers and the two indexes exactly as V1 and V4 created them, so that a
-- file rolled back to V6 or below (and V3, for the Python tool) keeps its counters up to date by
-- itself again.
CREATE INDEX idx_invocation_session ON skill_invocation(session_id);
CREATE INDEX idx_invocation_skill ON skill_invocation(skill_name);

CREATE TRIGGER trg_skill_metrics_after_insert
AFTER INSERT ON skill_invocation
BEGIN
    INSERT OR IGNORE INTO skill_metrics (skill_name, first_invoked, last_invoked)
    VALUES (NEW.skill_name, NEW.invoked_at, NEW.invoked_at);

    UPDATE skill_metrics SET
        total_invocations = total_invocations + 1,
        completed_invocations = completed_invocations + (NEW.completed = 1),
        abandoned_invocations = abandoned_invocations + (NEW.completed <> 1),
        total_duration_seconds = total_duration_seconds
            + CASE WHEN NEW.completed = 1 THEN COALESCE(NEW.duration_seconds, 0) ELSE 0 END,
        first_invoked = min(COALESCE(first_invoked, NEW.invoked_at), NEW.invoked_at),
        last_invoked = max(COALESCE(last_invoked, NEW.invoked_at), NEW.invoked_at),
        avg_selection_rank = CASE WHEN NEW.selection_rank IS NULL THEN avg_selection_rank
            ELSE (COALESCE(avg_selection_rank, 0) * (SELECT count(*) - 1 FROM skill_invocation
                    WHERE skill_name = NEW.skill_name AND selection_rank IS NOT NULL) + NEW.selection_rank)
                 / (SELECT count(*) FROM skill_invocation
                    WHERE skill_name = NEW.skill_name AND selection_rank IS NOT NULL) END,
        completion_rate = CAST(completed_invocations + (NEW.completed = 1) AS REAL) / (total_invocations + 1) * 100.0,
        avg_duration_seconds = CASE WHEN completed_invocations + (NEW.completed = 1) > 0
            THEN (total_duration_seconds + CASE WHEN NEW.completed = 1 THEN COALESCE(NEW.duration_seconds, 0) ELSE 0 END)
                 / (completed_invocations + (NEW.completed = 1)) END,
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE skill_name = NEW.skill_name;

    UPDATE skill_metrics SET workflow_paths = (
        SELECT json_group_object(k, n) FROM (
            SELECT key AS k, value + (key = NEW.workflow_path) AS n FROM json_each(skill_metrics.workflow_paths)
            UNION ALL
            SELECT NEW.workflow_path, 1
            WHERE NOT EXISTS (SELECT 1 FROM json_each(skill_metrics.workflow_paths) WHERE key = NEW.workflow_path)))
    WHERE NEW.workflow_path IS NOT NULL AND skill_name = NEW.skill_name;

    UPDATE skill_metrics SET common_errors = (
        SELECT json_group_object(k, n) FROM (
            SELECT key AS k, value + (key = NEW.error_type) AS n FROM json_each(skill_metrics.common_errors)
            UNION ALL
            SELECT NEW.error_type, 1
            WHERE NOT EXISTS (SELECT 1 FROM json_each(skill_metrics.common_errors) WHERE key = NEW.error_type)))
    WHERE NEW.error_type IS NOT NULL AND skill_name = NEW.skill_name;

    UPDATE skill_metrics SET follow_up_actions = (
        SELECT json_group_object(k, n) FROM (
            SELECT k, sum(n) AS n FROM (
                SELECT key AS k, value AS n FROM json_each(skill_metrics.follow_up_actions)
                UNION ALL
                SELECT CAST(value AS TEXT), 1 FROM json_each(NEW.follow_up_actions) WHERE value IS NOT NULL)
            GROUP BY k))
    WHERE NEW.follow_up_actions IS NOT NULL AND json_valid(NEW.follow_up_actions)
      AND json_type(NEW.follow_up_actions) = 'array' AND json_array_length(NEW.follow_up_actions) > 0
      AND skill_name = NEW.skill_name;
END;

CREATE TRIGGER trg_session_skills_after_insert
AFTER INSERT ON skill_invocation
BEGIN
    INSERT INTO session_skills (session_id, skill_name, invocation_count)
    VALUES (NEW.session_id, NEW.skill_name, 1)
    ON CONFLICT (session_id, skill_name) DO UPDATE SET invocation_count = invocation_count + 1;
END;

CREATE TRIGGER trg_metrics_cache_after_insert
AFTER INSERT ON skill_invocation
BEGIN
    INSERT INTO skill_metrics_cache (skill_name, last_invocation_at, invocation_count_1h, invocation_count_24h, updated_at)
    VALUES (
        NEW.skill_name,
        NEW.invoked_at,
        NEW.invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour'),
        NEW.invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day'),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ON CONFLICT (skill_name) DO UPDATE SET
        last_invocation_at = max(last_invocation_at, excluded.last_invocation_at),
        invocation_count_1h = invocation_count_1h + excluded.invocation_count_1h,
        invocation_count_24h = invocation_count_24h + excluded.invocation_count_24h,
        updated_at = excluded.updated_at;
END;
