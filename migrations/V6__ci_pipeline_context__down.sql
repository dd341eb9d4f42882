DROP INDEX IF EXISTS idx_ci_pipeline_context_pipeline;
DROP TABLE IF EXISTS ci_pipeline_context;
