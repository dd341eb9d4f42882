-- V8: who ran each invocation, and the telemetry record it came from.
--   source: 'agent' for runs an AI coding agent reported (the OTLP receiver, the agent tools over MCP),
--     'editor', 'cli' or 'ci' for the developer's own runs, NULL when unknown (rows imported from the
--     Python tool). Rows recorded before V8 take it from their session, by the rule the tracker applies
--     from now on (src/core/tracking/invocationSource.ts).
--   record_key: a salted hash of the identity of the agent's telemetry record (its tool-call id, or its
--     trace and span ids). Unique, so a batch that an exporter sends again inserts nothing twice.
ALTER TABLE skill_invocation ADD COLUMN source TEXT;
ALTER TABLE skill_invocation ADD COLUMN record_key TEXT;
UPDATE skill_invocation SET source = (
    SELECT CASE s.source
        WHEN 'vscode' THEN 'editor'
        WHEN 'cli' THEN 'cli'
        WHEN 'crackerjack' THEN 'cli'
        WHEN 'ci' THEN 'ci'
        WHEN 'junit' THEN 'ci'
        WHEN 'mcp' THEN 'agent'
        WHEN 'agent' THEN 'agent'
    END
    FROM skill_sessions s WHERE s.session_id = skill_invocation.session_id);
CREATE UNIQUE INDEX idx_invocation_record_key ON skill_invocation(record_key) WHERE record_key IS NOT NULL;
