-- V10: each skill's regression history (src/core/analytics/skillChanges.ts): for every metric the
-- change-point detector follows (duration: median seconds of completed runs; failure_rate: failed
-- runs over runs, 0..1; runs: runs per active day), the segments between change points, oldest
-- first. Segment 0 has no change; every later one begins with a change, whose size is level against
-- previous_level. Derived rows, written by upsert/delete events like every analytics table and
-- recomputed from the runs, so rolling V10 back loses nothing that cannot be rebuilt.
CREATE TABLE skill_changes (
    skill_name TEXT NOT NULL,
    metric TEXT NOT NULL CHECK (metric IN ('duration', 'failure_rate', 'runs')),
    segment INTEGER NOT NULL CHECK (segment >= 0),
    -- The segment's first run (duration, failure_rate) or the start of its first day (runs), and its last.
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    -- The invocation that began it, and its 1-based position among the skill's runs kept.
    start_run_id INTEGER,
    start_run_number INTEGER,
    -- Runs (duration: completed runs with a duration) or active days in the segment.
    points INTEGER NOT NULL,
    level REAL,
    previous_level REAL,
    -- level / previous_level (duration, runs); NULL for segment 0 and when the previous level is 0.
    ratio REAL,
    -- slower, faster, more_failures, fewer_failures, more_runs, fewer_runs; NULL for segment 0.
    direction TEXT,
    -- 1 when the change made the skill worse (slower, or failing more often).
    regression INTEGER NOT NULL DEFAULT 0,
    -- 1 for the latest segment: it is still going on.
    open INTEGER NOT NULL DEFAULT 0,
    -- The newest run the history covers, and when it was computed.
    through_at TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (skill_name, metric, segment)
);
CREATE INDEX idx_skill_changes_started ON skill_changes(started_at);
