-- Removes the embedding column and its index and keeps every row. ALTER TABLE ... DROP COLUMN
-- rebuilds the table in place, so the V1 views and every trigger on skill_invocation survive
-- (the anchor's copy-drop-rename failed on current SQLite and lost the triggers).
DROP INDEX IF EXISTS idx_invocation_embedding;
ALTER TABLE skill_invocation DROP COLUMN embedding;
