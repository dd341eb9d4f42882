-- V2: room for a 384-dimension float32 embedding per invocation (1536 bytes), as the anchor has it.
ALTER TABLE skill_invocation ADD COLUMN embedding BLOB;
CREATE INDEX idx_invocation_embedding ON skill_invocation(embedding) WHERE embedding IS NOT NULL;
