-- V1: skill invocations, per-skill metrics, session links, migration bookkeeping, daily roll-ups.
-- Same table, column, view and trigger names as the Python session-buddy, with its defects fixed:
--   * no FTS5 table (the sql.js build has no FTS5; nothing ever filled the anchor's);
--   * JSON counters are rebuilt with json_each/json_group_object, so any key works (empty, dots,
--     brackets, quotes, unicode) instead of being pasted into a JSON path;
--   * every follow-up action is counted, not only the first;
--   * first_invoked / last_invoked are the min / max of invoked_at, whatever the insertion order.
-- skill_metrics.completion_rate keeps the anchor's unit (percent, 0..100); the code converts it to 0..1.
-- Timestamps are canonical UTC text: YYYY-MM-DDTHH:MM:SS.sssZ (what Date.toISOString() gives).

CREATE TABLE IF NOT EXISTS skill_migrations (
    version TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL,
    description TEXT,
    rollback_sql TEXT,
    checksum TEXT,
    applied_by TEXT DEFAULT 'session-buddy',
    success BOOLEAN NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS idx_migrations_applied_at ON skill_migrations(applied_at DESC);

CREATE TABLE skill_invocation (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    skill_name TEXT NOT NULL,
    invoked_at TEXT NOT NULL,
    session_id TEXT NOT NULL,
    workflow_path TEXT,
    completed BOOLEAN NOT NULL DEFAULT 0,
    duration_seconds REAL,
    user_query TEXT,
    alternatives_considered TEXT,
    selection_rank INTEGER,
    follow_up_actions TEXT,
    error_type TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_invocation_session ON skill_invocation(session_id);
CREATE INDEX idx_invocation_skill ON skill_invocation(skill_name);
CREATE INDEX idx_invocation_invoked_at ON skill_invocation(invoked_at DESC);
CREATE INDEX idx_invocation_session_completed ON skill_invocation(session_id, completed);

CREATE TABLE skill_metrics (
    skill_name TEXT PRIMARY KEY,
    total_invocations INTEGER NOT NULL DEFAULT 0,
    completed_invocations INTEGER NOT NULL DEFAULT 0,
    abandoned_invocations INTEGER NOT NULL DEFAULT 0,
    total_duration_seconds REAL NOT NULL DEFAULT 0.0,
    workflow_paths TEXT NOT NULL DEFAULT '{}',
    common_errors TEXT NOT NULL DEFAULT '{}',
    follow_up_actions TEXT NOT NULL DEFAULT '{}',
    avg_selection_rank REAL,
    recommendation_success_rate REAL,
    first_invoked TEXT,
    last_invoked TEXT,
    completion_rate REAL NOT NULL DEFAULT 0.0,
    avg_duration_seconds REAL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

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

CREATE TABLE session_skills (
    session_id TEXT NOT NULL,
    skill_name TEXT NOT NULL,
    invocation_count INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (session_id, skill_name)
);
CREATE INDEX idx_session_skills_skill ON session_skills(skill_name);

CREATE TRIGGER trg_session_skills_after_insert
AFTER INSERT ON skill_invocation
BEGIN
    INSERT INTO session_skills (session_id, skill_name, invocation_count)
    VALUES (NEW.session_id, NEW.skill_name, 1)
    ON CONFLICT (session_id, skill_name) DO UPDATE SET invocation_count = invocation_count + 1;
END;

CREATE TABLE mv_daily_skills (
    date TEXT NOT NULL,
    skill_name TEXT NOT NULL,
    invocations INTEGER NOT NULL,
    completions INTEGER NOT NULL,
    abandonments INTEGER NOT NULL,
    avg_duration_seconds REAL,
    PRIMARY KEY (date, skill_name)
);
CREATE INDEX idx_mv_daily_date ON mv_daily_skills(date DESC);
CREATE INDEX idx_mv_daily_skill ON mv_daily_skills(skill_name);

CREATE VIEW v_session_skill_summary AS
SELECT
    session_id,
    COUNT(DISTINCT skill_name) AS unique_skills,
    COUNT(*) AS total_invocations,
    SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) AS completed_count,
    SUM(CASE WHEN completed = 1 THEN 0 ELSE 1 END) AS abandoned_count,
    SUM(COALESCE(duration_seconds, 0)) AS total_duration_seconds,
    MIN(invoked_at) AS first_skill_at,
    MAX(invoked_at) AS last_skill_at
FROM skill_invocation
GROUP BY session_id;

CREATE VIEW v_skill_effectiveness AS
SELECT
    m.*,
    CAST(julianday('now') - julianday(m.last_invoked) AS INTEGER) AS days_since_last_use
FROM skill_metrics m
WHERE m.total_invocations > 0
ORDER BY m.total_invocations DESC;

-- preferred_workflow is the name of the most used workflow path (the anchor returned its count).
CREATE VIEW v_top_skills AS
SELECT
    m.skill_name,
    m.total_invocations,
    m.completion_rate,
    m.avg_duration_seconds,
    (SELECT key FROM json_each(m.workflow_paths) ORDER BY value DESC, key LIMIT 1) AS preferred_workflow
FROM skill_metrics m
WHERE m.total_invocations > 0
ORDER BY m.total_invocations DESC;

CREATE VIEW v_daily_skill_source AS
SELECT
    substr(invoked_at, 1, 10) AS date,
    skill_name,
    COUNT(*) AS invocations,
    SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) AS completions,
    SUM(CASE WHEN completed = 1 THEN 0 ELSE 1 END) AS abandonments,
    AVG(CASE WHEN completed = 1 THEN duration_seconds END) AS avg_duration_seconds
FROM skill_invocation
GROUP BY substr(invoked_at, 1, 10), skill_name;
