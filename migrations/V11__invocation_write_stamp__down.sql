-- V11 down: the cursors, the index and the column go; every invocation and the V9 cursor stay.
DROP TABLE IF EXISTS team_push_cursor;
DROP INDEX IF EXISTS idx_invocation_writer_stamp;
ALTER TABLE skill_invocation DROP COLUMN write_stamp;
