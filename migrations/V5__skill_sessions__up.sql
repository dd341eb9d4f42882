-- V5: editor sessions. The anchor has no session table (a session was only a session_id on
-- invocations), so "unknown session" could not be told from "new session". No path is stored:
-- project_hash is a salted hash of the workspace folder, enough to group sessions by project.
CREATE TABLE skill_sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    project_hash TEXT,
    source TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX idx_skill_sessions_user ON skill_sessions(user_id, started_at);
