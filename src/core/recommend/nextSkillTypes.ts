/**
 * The next-skill model's inputs and outputs: one recorded run, the context of a question, and the
 * answer with the evidence behind each item (data first, text second, so that views and the
 * evaluation can show or check the counts themselves).
 */

/** What the editor knows about the file being worked on when a skill runs or a question is asked. */
export interface EditorContext {
  /** VS Code language id of the active file. */
  languageId?: string;
  isTestFile?: boolean;
}

/** One skill run, as the model learns from it. */
export interface SkillRunEvent {
  user: string;
  skill: string;
  /** When the run started, epoch milliseconds. */
  atMs: number;
  /** true: completed; false: failed; absent: unknown. */
  completed?: boolean;
  durationSeconds?: number;
  /** Absent: a new session begins after 30 idle minutes. */
  session?: string;
  /** The editor's context when the run started, when known. */
  editor?: EditorContext;
}

/** The context of a question "what will this user run next?". */
export interface NextSkillQuery extends EditorContext {
  /** When the question is asked (epoch ms); absent: right after the user's last run. */
  atMs?: number;
  /** The session the next run will belong to, when the caller knows it. */
  session?: string;
}

export type RunOutcome = 'completed' | 'failed' | 'unknown';

/** One step of a context: a skill and its outcome, or the start of the session (skill null). */
export interface ContextStep {
  skill: string | null;
  outcome?: RunOutcome;
}

/** How long ago the last run ended, in the model's four bands (a longer pause starts a session). */
export type PauseBand = 'under 10 s' | '10 s to 1 min' | '1 to 5 min' | '5 to 30 min';

/** Whose runs the counts are from. */
export type EvidenceScope = 'you' | 'everyone';

/**
 * Why an item is ranked where it is: the counts of the part of the model that raised it most.
 * `count` of `total` are plain counts of past runs (not decayed), so "7 of 9" means seven runs.
 */
export type NextSkillEvidence =
  | { kind: 'after'; scope: EvidenceScope; context: ContextStep[]; count: number; total: number }
  | { kind: 'pause'; scope: EvidenceScope; context: ContextStep; pause: PauseBand; count: number; total: number }
  | { kind: 'editor'; scope: EvidenceScope; editor: EditorContext; count: number; total: number }
  | { kind: 'two-back'; context: ContextStep; count: number; total: number }
  | { kind: 'recent'; count: number; window: number }
  | { kind: 'repeat'; length: number }
  | { kind: 'popular'; scope: EvidenceScope; count: number; total: number }
  | { kind: 'new' };

export interface PredictedSkill {
  skill: string;
  /** Calibrated: of the items given this probability, about this share is what runs next. */
  probability: number;
  reason: string;
  evidence: NextSkillEvidence;
}

export interface NextSkillPrediction {
  /** Most probable first. */
  items: PredictedSkill[];
  /** The probability that the next run is none of the items. */
  restProbability: number;
  /** Of that, the probability that it is a skill this user has never run (new to them or to everyone). */
  unseenProbability: number;
  /** The context the answer used: the session's last runs (oldest first), the pause, the editor. */
  context: { session: ContextStep[]; pause: PauseBand | 'new session'; editor: EditorContext };
}
