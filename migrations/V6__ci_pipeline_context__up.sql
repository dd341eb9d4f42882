-- V6: the CI/CD pipeline context of an invocation recorded by `session-buddy ci track` or
-- `ci import-junit`. The anchor built this context and threw it away; here it is one row per
-- invocation, so per-pipeline reports can honour their pipeline name and time window. Nothing
-- from the pipeline's environment is stored beyond these labels.
CREATE TABLE ci_pipeline_context (
    invocation_id INTEGER PRIMARY KEY,
    pipeline_name TEXT NOT NULL,
    build_number TEXT NOT NULL,
    stage TEXT NOT NULL,
    git_commit TEXT,
    git_branch TEXT,
    environment TEXT,
    triggered_by TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX idx_ci_pipeline_context_pipeline ON ci_pipeline_context(pipeline_name, stage);
