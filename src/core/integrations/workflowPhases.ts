/** V3's workflow phases (migrations/V3__add_workflow_correlation): what integrations map their steps to. */
export const WORKFLOW_PHASES = ['setup', 'execution', 'verification', 'deployment', 'cleanup', 'rollback'] as const;
export type WorkflowPhase = (typeof WORKFLOW_PHASES)[number];
