-- V8 down: removes the two columns and their index; every invocation stays.
DROP INDEX IF EXISTS idx_invocation_record_key;
ALTER TABLE skill_invocation DROP COLUMN record_key;
ALTER TABLE skill_invocation DROP COLUMN source;
