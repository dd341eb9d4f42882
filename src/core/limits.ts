/**
 * The documented limits of everything the store accepts, shared by the callers' validation and the
 * event log's schema, so that what a caller may write and what the log will read back are the same.
 */
export const LIMITS = {
  /** Skill names, session ids, user ids, step ids. */
  name: 200,
  /** Free text a caller may pass (a user query, a project path before it is hashed). */
  text: 2000,
  /** Short labels (workflow paths, error types). */
  label: 500,
  /** Workflow phases and other one-word categories. */
  phase: 64,
  /** Items of a stored list (alternatives considered, follow-up actions). */
  listItems: 50,
} as const;

/** A run longer than 30 days is a clock error, not a measurement. */
export const MAX_DURATION_SECONDS = 30 * 86_400;
