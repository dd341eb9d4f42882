-- V12 down: the anchor's index on invoked_at comes back; no row changes.
DROP INDEX IF EXISTS idx_invocation_day;
CREATE INDEX idx_invocation_invoked_at ON skill_invocation(invoked_at DESC);
