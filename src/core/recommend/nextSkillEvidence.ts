/**
 * The counts behind one expert's opinion of one skill, read from the same rows the expert used,
 * so a reason shown to the user is a fact of their data ("7 of 9 times"), never a paraphrase of a
 * score. Undefined when the expert has no count for the skill (it only passed on what is below it).
 */
import type { CountRow } from './countRow';
import { EVERYONE_ORDER, EXPERT, RECENCY_HALF_LIVES, USER_ORDER, type ExpertSources } from './nextSkillExperts';
import type { ContextStep, EditorContext, EvidenceScope, NextSkillEvidence, PauseBand, RunOutcome } from './nextSkillTypes';
import { contextIds, lastStep, OUTCOME_COMPLETED, OUTCOME_FAILED, type Step, type TrailView } from './sessionTrail';
import { SESSION_START, type SkillVocabulary } from './skillVocabulary';

export const PAUSE_BANDS: readonly PauseBand[] = ['under 10 s', '10 s to 1 min', '1 to 5 min', '5 to 30 min'];

export interface EvidenceInputs {
  sources: ExpertSources;
  view: TrailView;
  editor: EditorContext;
  vocabulary: SkillVocabulary;
}

function outcomeName(code: number): RunOutcome {
  if (code === OUTCOME_COMPLETED) return 'completed';
  return code === OUTCOME_FAILED ? 'failed' : 'unknown';
}

export function stepOf(step: Step, vocabulary: SkillVocabulary, withOutcome: boolean): ContextStep {
  if (step.id === SESSION_START) return { skill: null };
  return withOutcome ? { skill: vocabulary.name(step.id), outcome: outcomeName(step.outcome) } : { skill: vocabulary.name(step.id) };
}

function counted(row: CountRow | undefined, id: number): { count: number; total: number } | undefined {
  const count = row?.count(id) ?? 0;
  return row && count > 0 ? { count, total: row.total } : undefined;
}

/** The steps of the order-`order` context (oldest first), the session start included when it is part of it. */
function contextSteps(inputs: EvidenceInputs, order: number, outcomeOfLast: boolean): ContextStep[] {
  const steps = inputs.view.steps;
  const ids = contextIds(inputs.view, order) ?? [];
  const out: ContextStep[] = [];
  if (ids.length > steps.length) out.push({ skill: null });
  for (let i = steps.length - (ids.length - out.length); i < steps.length; i++) out.push(stepOf(steps[i], inputs.vocabulary, outcomeOfLast && i === steps.length - 1));
  return out;
}

/** The deepest order ≤ maxOrder whose row counts `id`, as an 'after' (or, at order 0, 'popular') fact. */
function sequenceEvidence(inputs: EvidenceInputs, scope: EvidenceScope, maxOrder: number, id: number): NextSkillEvidence | undefined {
  const rows = scope === 'you' ? inputs.sources.userRows : inputs.sources.everyoneRows;
  for (let order = Math.min(maxOrder, rows.length - 1); order >= 0; order--) {
    const found = counted(rows[order], id);
    if (!found) continue;
    if (order === 0) return { kind: 'popular', scope, ...found };
    return { kind: 'after', scope, context: contextSteps(inputs, order, false), ...found };
  }
  return undefined;
}

function outcomeEvidence(inputs: EvidenceInputs, id: number): NextSkillEvidence | undefined {
  const { keys, user, everyone } = inputs.sources;
  const own = user?.tables;
  const two = keys.outcomeAfterTwo === undefined ? undefined : counted(own?.outcomeAfterTwo?.peek(keys.outcomeAfterTwo), id);
  if (two) return { kind: 'after', scope: 'you', context: contextSteps(inputs, 2, true), ...two };
  const mine = counted(own?.outcome.peek(keys.outcome), id);
  if (mine) return { kind: 'after', scope: 'you', context: contextSteps(inputs, 1, true), ...mine };
  const theirs = counted(everyone.outcome.peek(keys.outcome), id);
  return theirs ? { kind: 'after', scope: 'everyone', context: contextSteps(inputs, 1, true), ...theirs } : undefined;
}

function pauseEvidence(inputs: EvidenceInputs, id: number): NextSkillEvidence | undefined {
  const { keys, user, everyone } = inputs.sources;
  const last = stepOf(lastStep(inputs.view), inputs.vocabulary, false);
  const pause = PAUSE_BANDS[inputs.view.pause];
  if (pause === undefined) return undefined;
  const mine = counted(user?.tables.pause.peek(keys.pause), id);
  if (mine) return { kind: 'pause', scope: 'you', context: last, pause, ...mine };
  const theirs = counted(everyone.pause.peek(keys.pause), id);
  return theirs ? { kind: 'pause', scope: 'everyone', context: last, pause, ...theirs } : undefined;
}

function editorEvidence(inputs: EvidenceInputs, id: number): NextSkillEvidence | undefined {
  const { keys, user, everyone } = inputs.sources;
  if (inputs.editor.languageId === undefined && inputs.editor.isTestFile === undefined) return undefined;
  const mine = counted(user?.tables.editor.peek(keys.editor), id);
  if (mine) return { kind: 'editor', scope: 'you', editor: inputs.editor, ...mine };
  const theirs = counted(everyone.editor.peek(keys.editor), id);
  return theirs ? { kind: 'editor', scope: 'everyone', editor: inputs.editor, ...theirs } : undefined;
}

function twoBackEvidence(inputs: EvidenceInputs, id: number): NextSkillEvidence | undefined {
  const { keys, user } = inputs.sources;
  if (keys.twoBack === undefined) return undefined;
  const found = counted(user?.tables.twoBack?.peek(keys.twoBack), id);
  const steps = inputs.view.steps;
  const before = steps.length >= 2 ? steps[steps.length - 2] : { id: SESSION_START, outcome: 0 };
  return found ? { kind: 'two-back', context: stepOf(before, inputs.vocabulary, false), ...found } : undefined;
}

function recentEvidence(inputs: EvidenceInputs, window: number, id: number): NextSkillEvidence | undefined {
  const found = inputs.sources.user?.history.countInLast(id, window);
  return found && found.count > 0 ? { kind: 'recent', count: found.count, window: found.runs } : undefined;
}

/** The evidence input `input` has for skill `id`, if it counted it. */
export function evidenceOf(inputs: EvidenceInputs, input: number, id: number): NextSkillEvidence | undefined {
  if (input === EXPERT.everyone) return sequenceEvidence(inputs, 'everyone', EVERYONE_ORDER, id);
  if (input >= EXPERT.userOrder(0) && input <= EXPERT.userOrder(USER_ORDER)) return sequenceEvidence(inputs, 'you', input - EXPERT.userOrder(0), id);
  if (input === EXPERT.outcome) return outcomeEvidence(inputs, id);
  if (input === EXPERT.pause) return pauseEvidence(inputs, id);
  if (input === EXPERT.editor) return editorEvidence(inputs, id);
  if (input === EXPERT.twoBack) return twoBackEvidence(inputs, id);
  if (input >= EXPERT.recency(0) && input < EXPERT.match) return recentEvidence(inputs, 2 * RECENCY_HALF_LIVES[input - EXPERT.recency(0)], id);
  if (input !== EXPERT.match) return undefined;
  const match = inputs.sources.user?.history.match();
  return match && match.id === id ? { kind: 'repeat', length: match.length } : undefined;
}

/** What is always true of a skill: everyone's count of it, or that nobody has run it yet. */
export function fallbackEvidence(inputs: EvidenceInputs, id: number): NextSkillEvidence {
  const found = counted(inputs.sources.everyone.general(), id);
  return found ? { kind: 'popular', scope: 'everyone', ...found } : { kind: 'new' };
}
