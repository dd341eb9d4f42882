-- V9: the push cursor of each team store this store shares with (session-buddy team push). The
-- local event log is the outbox: every invocation with an id above pushed_through_id is still to
-- be sent, so a push that stops halfway resumes where its last confirmed batch ended. Written as
-- derived rows (upsert events) like every other table, so every process sees the same cursor.
-- (V8 is another change's number.)
CREATE TABLE team_sync (
    team_id TEXT PRIMARY KEY,
    server TEXT NOT NULL,
    pushed_through_id INTEGER NOT NULL DEFAULT 0,
    last_push_at TEXT,
    last_pull_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    pulled_members TEXT
);
