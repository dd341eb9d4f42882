-- V4: Phase 4 — real-time cache, hourly time series, anomalies, community baselines, user
-- interactions, clusters, A/B tests, taxonomy, dependencies, modalities: the anchor's 14 tables,
-- 16 indexes, cache trigger and 6 views, with these differences:
--   * idx_invocation_skill_time (skill_name, invoked_at, completed, duration_seconds) serves every windowed
--     query, and covers the ones that only need outcomes and durations (anomaly windows, real-time counts)
--     without reading table rows; windows compare the raw column with a bound, never datetime(invoked_at);
--   * idx_dependencies_skill_b, because dependencies are looked up from either side;
--   * the cache trigger counts an event in the 1 h / 24 h windows only when it falls inside them;
--     the analytics refresh recomputes the true sliding windows (the anchor's counters never decayed);
--   * the views give real answers: a signed least-squares slope, users counted as users, real rates,
--     one catalog row per skill. Rates in these views are 0..1.
--   * databases written by the Python tool are repaired: timestamps are normalised to the canonical
--     UTC form, first/last_invoked recomputed, and its JSON-path metrics trigger replaced by the safe one.

UPDATE skill_invocation
SET invoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', invoked_at)
WHERE invoked_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
  AND strftime('%Y-%m-%dT%H:%M:%fZ', invoked_at) IS NOT NULL;

UPDATE skill_metrics SET
    first_invoked = (SELECT min(invoked_at) FROM skill_invocation i WHERE i.skill_name = skill_metrics.skill_name),
    last_invoked = (SELECT max(invoked_at) FROM skill_invocation i WHERE i.skill_name = skill_metrics.skill_name)
WHERE EXISTS (SELECT 1 FROM skill_invocation i WHERE i.skill_name = skill_metrics.skill_name);

DROP TRIGGER IF EXISTS trg_skill_metrics_after_insert;
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

CREATE INDEX IF NOT EXISTS idx_invocation_skill_time ON skill_invocation(skill_name, invoked_at, completed, duration_seconds);

-- Real-time monitoring
CREATE TABLE skill_metrics_cache (
    skill_name TEXT PRIMARY KEY UNIQUE,
    last_invocation_at TEXT NOT NULL,
    invocation_count_1h INTEGER DEFAULT 0,
    invocation_count_24h INTEGER DEFAULT 0,
    avg_completion_rate_24h REAL,
    is_anomalous BOOLEAN DEFAULT 0,
    anomaly_score REAL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_metrics_cache_updated ON skill_metrics_cache(updated_at);

CREATE TABLE skill_time_series (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    skill_name TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    invocation_count INTEGER DEFAULT 0,
    completion_rate REAL,
    avg_duration_seconds REAL,
    unique_sessions INTEGER DEFAULT 0,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_time_series_skill_timestamp ON skill_time_series(skill_name, timestamp DESC);

CREATE TABLE skill_anomalies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    skill_name TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    anomaly_type TEXT NOT NULL,
    baseline_value REAL,
    observed_value REAL,
    deviation_score REAL,
    resolved_at TEXT,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_anomalies_detected_at ON skill_anomalies(detected_at DESC);
CREATE INDEX idx_anomalies_skill ON skill_anomalies(skill_name, detected_at DESC);

-- Cross-session learning
CREATE TABLE skill_community_baselines (
    skill_name TEXT PRIMARY KEY UNIQUE,
    total_users INTEGER DEFAULT 0,
    total_invocations INTEGER DEFAULT 0,
    global_completion_rate REAL,
    global_avg_duration_seconds REAL,
    most_common_workflow_phase TEXT,
    effectiveness_percentile REAL,
    last_updated TEXT NOT NULL,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);

CREATE TABLE skill_user_interactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    skill_name TEXT NOT NULL,
    invoked_at TEXT NOT NULL,
    completed BOOLEAN NOT NULL,
    rating REAL,
    alternatives_considered TEXT,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_user_interactions_user ON skill_user_interactions(user_id, invoked_at DESC);
CREATE INDEX idx_user_interactions_skill ON skill_user_interactions(skill_name, completed);
CREATE INDEX idx_user_interactions_session ON skill_user_interactions(session_id);

CREATE TABLE skill_clusters (
    cluster_id INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster_name TEXT NOT NULL UNIQUE,
    description TEXT,
    centroid_embedding BLOB,
    created_at TEXT NOT NULL
);

CREATE TABLE skill_cluster_membership (
    skill_name TEXT NOT NULL,
    cluster_id INTEGER NOT NULL,
    membership_score REAL,
    PRIMARY KEY (skill_name, cluster_id),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name),
    FOREIGN KEY (cluster_id) REFERENCES skill_clusters(cluster_id)
);
CREATE INDEX idx_cluster_membership_cluster ON skill_cluster_membership(cluster_id);

-- A/B testing
CREATE TABLE ab_test_configs (
    test_id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_name TEXT NOT NULL UNIQUE,
    description TEXT,
    control_strategy TEXT NOT NULL,
    treatment_strategy TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    min_sample_size INTEGER DEFAULT 100,
    metrics TEXT,
    assignment_ratio REAL DEFAULT 0.5,
    status TEXT DEFAULT 'running',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE ab_test_assignments (
    assignment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    assigned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (test_id, user_id),
    FOREIGN KEY (test_id) REFERENCES ab_test_configs(test_id)
);
CREATE INDEX idx_ab_assignments_test_user ON ab_test_assignments(test_id, user_id);
CREATE INDEX idx_ab_assignments_group ON ab_test_assignments(test_id, group_name);

CREATE TABLE ab_test_outcomes (
    outcome_id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    skill_name TEXT NOT NULL,
    completed BOOLEAN NOT NULL,
    duration_seconds REAL,
    user_rating REAL,
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    FOREIGN KEY (test_id) REFERENCES ab_test_configs(test_id),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_ab_outcomes_test ON ab_test_outcomes(test_id);
CREATE INDEX idx_ab_outcomes_user ON ab_test_outcomes(test_id, user_id);

-- Multi-modal and taxonomy
CREATE TABLE skill_categories (
    category_id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_name TEXT NOT NULL UNIQUE,
    parent_category_id INTEGER,
    description TEXT,
    domain TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    FOREIGN KEY (parent_category_id) REFERENCES skill_categories(category_id)
);

CREATE TABLE skill_category_mapping (
    skill_name TEXT NOT NULL,
    category_id INTEGER NOT NULL,
    confidence_score REAL,
    assigned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (skill_name, category_id),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name),
    FOREIGN KEY (category_id) REFERENCES skill_categories(category_id)
);
CREATE INDEX idx_category_mapping_skill ON skill_category_mapping(skill_name);
CREATE INDEX idx_category_mapping_category ON skill_category_mapping(category_id);

CREATE TABLE skill_dependencies (
    skill_a TEXT NOT NULL,
    skill_b TEXT NOT NULL,
    co_occurrence_count INTEGER DEFAULT 1,
    lift_score REAL,
    last_updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (skill_a, skill_b),
    FOREIGN KEY (skill_a) REFERENCES skill_metrics(skill_name),
    FOREIGN KEY (skill_b) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_dependencies_skill_a ON skill_dependencies(skill_a);
CREATE INDEX idx_dependencies_skill_b ON skill_dependencies(skill_b);
CREATE INDEX idx_dependencies_lift ON skill_dependencies(lift_score DESC);

CREATE TABLE skill_modalities (
    skill_name TEXT PRIMARY KEY,
    modality_type TEXT NOT NULL,
    input_format TEXT,
    output_format TEXT,
    requires_human_review BOOLEAN DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);

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

CREATE VIEW v_realtime_skill_dashboard AS
SELECT
    c.skill_name,
    c.last_invocation_at,
    c.invocation_count_1h,
    c.invocation_count_24h,
    c.avg_completion_rate_24h,
    c.is_anomalous,
    c.anomaly_score,
    c.updated_at,
    m.total_invocations,
    CAST(m.completed_invocations AS REAL) / NULLIF(m.total_invocations, 0) AS completion_rate,
    m.avg_duration_seconds
FROM skill_metrics_cache c
JOIN skill_metrics m ON m.skill_name = c.skill_name
ORDER BY c.invocation_count_24h DESC, c.skill_name;

-- Least-squares slope of the daily completion rate over the last 7 days, per day (negative when
-- declining); NULL until there are two distinct days.
CREATE VIEW v_skill_effectiveness_trend AS
WITH daily AS (
    SELECT
        skill_name,
        substr(invoked_at, 1, 10) AS day,
        AVG(CASE WHEN completed = 1 THEN 1.0 ELSE 0.0 END) AS rate,
        COUNT(*) AS invocations
    FROM skill_invocation
    WHERE invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
    GROUP BY skill_name, substr(invoked_at, 1, 10)
),
points AS (
    SELECT skill_name, julianday(day) - julianday(min(day) OVER (PARTITION BY skill_name)) AS x, rate AS y, invocations
    FROM daily
)
SELECT
    skill_name,
    COUNT(*) AS days_with_data,
    SUM(invocations) AS total_invocations,
    AVG(y) AS avg_completion_rate,
    MAX(y) AS max_completion_rate,
    MIN(y) AS min_completion_rate,
    CASE WHEN COUNT(*) * SUM(x * x) - SUM(x) * SUM(x) > 0
        THEN (COUNT(*) * SUM(x * y) - SUM(x) * SUM(y)) / (COUNT(*) * SUM(x * x) - SUM(x) * SUM(x))
    END AS trend_slope
FROM points
GROUP BY skill_name;

CREATE VIEW v_community_baseline_comparison AS
SELECT
    i.skill_name,
    COUNT(*) AS user_invocations,
    COUNT(DISTINCT i.session_id) AS user_sessions,
    AVG(CASE WHEN i.completed = 1 THEN 1.0 ELSE 0.0 END) AS user_completion_rate,
    b.global_completion_rate AS baseline_completion_rate,
    b.total_users AS baseline_users,
    b.effectiveness_percentile,
    AVG(CASE WHEN i.completed = 1 THEN 1.0 ELSE 0.0 END) - b.global_completion_rate AS delta_from_baseline
FROM skill_invocation i
JOIN skill_community_baselines b ON b.skill_name = i.skill_name
GROUP BY i.skill_name;

CREATE VIEW v_skill_dependency_network AS
SELECT
    skill_a,
    skill_b,
    co_occurrence_count,
    lift_score,
    CASE
        WHEN lift_score > 2.0 THEN 'strong_positive'
        WHEN lift_score > 1.5 THEN 'moderate_positive'
        WHEN lift_score > 1.0 THEN 'weak_positive'
        WHEN lift_score = 1.0 THEN 'independent'
        WHEN lift_score > 0.5 THEN 'weak_negative'
        ELSE 'moderate_negative'
    END AS relationship_type,
    last_updated
FROM skill_dependencies
WHERE lift_score IS NOT NULL
ORDER BY co_occurrence_count DESC, lift_score DESC;

-- Users are counted once each; completion rates are the share of completed outcomes per group.
CREATE VIEW v_ab_test_summary AS
SELECT
    c.test_id,
    c.test_name,
    c.status,
    c.control_strategy,
    c.treatment_strategy,
    (SELECT COUNT(*) FROM ab_test_assignments a WHERE a.test_id = c.test_id) AS total_users,
    (SELECT COUNT(*) FROM ab_test_assignments a WHERE a.test_id = c.test_id AND a.group_name = 'control') AS control_users,
    (SELECT COUNT(*) FROM ab_test_assignments a WHERE a.test_id = c.test_id AND a.group_name = 'treatment') AS treatment_users,
    (SELECT AVG(CASE WHEN o.completed = 1 THEN 1.0 ELSE 0.0 END) FROM ab_test_outcomes o
        JOIN ab_test_assignments a ON a.test_id = o.test_id AND a.user_id = o.user_id
        WHERE o.test_id = c.test_id AND a.group_name = 'control') AS control_completion_rate,
    (SELECT AVG(CASE WHEN o.completed = 1 THEN 1.0 ELSE 0.0 END) FROM ab_test_outcomes o
        JOIN ab_test_assignments a ON a.test_id = o.test_id AND a.user_id = o.user_id
        WHERE o.test_id = c.test_id AND a.group_name = 'treatment') AS treatment_completion_rate,
    (SELECT COUNT(*) FROM ab_test_outcomes o WHERE o.test_id = c.test_id) AS total_outcomes
FROM ab_test_configs c;

-- One row per skill: its modality and its most confident category.
CREATE VIEW v_multimodal_skill_catalog AS
SELECT
    i.skill_name,
    md.modality_type,
    md.input_format,
    md.output_format,
    md.requires_human_review,
    (SELECT cat.category_name FROM skill_category_mapping cm JOIN skill_categories cat ON cat.category_id = cm.category_id
        WHERE cm.skill_name = i.skill_name ORDER BY cm.confidence_score DESC, cat.category_name LIMIT 1) AS category_name,
    (SELECT cat.domain FROM skill_category_mapping cm JOIN skill_categories cat ON cat.category_id = cm.category_id
        WHERE cm.skill_name = i.skill_name ORDER BY cm.confidence_score DESC, cat.category_name LIMIT 1) AS domain,
    COUNT(DISTINCT i.session_id) AS total_sessions,
    COUNT(*) AS total_invocations,
    AVG(CASE WHEN i.completed = 1 THEN 1.0 ELSE 0.0 END) AS completion_rate,
    AVG(CASE WHEN i.completed = 1 THEN i.duration_seconds END) AS avg_duration_seconds
FROM skill_invocation i
LEFT JOIN skill_modalities md ON md.skill_name = i.skill_name
GROUP BY i.skill_name;
