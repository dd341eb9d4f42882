/**
 * The experts of the next-skill model: each one a probability for every candidate skill (and for
 * the rest, as one column), from one kind of evidence. The mixer (logLinearMixer.ts) learns how
 * much each is worth; none is weighted by hand.
 *
 * Every expert is a smoothed chain of counts (Witten–Bell interpolation, as in PPM with blending:
 * a row with n runs of q distinct skills keeps q/(n+q) of the probability for what is below it),
 * built from general to specific, so every skill keeps some probability and a missing row simply
 * leaves the level below unchanged:
 *
 * - base: everyone's runs in general, with q/(n+q) left for a skill nobody has run yet;
 * - everyone: + everyone's runs after the session's last 1..EVERYONE_ORDER skills (back-off for a
 *   user with little history: a new user's model is everyone's);
 * - user order k (k = 0..USER_ORDER): everyone + this user's runs in general, then after their last
 *   1..k skills (a variable-order Markov model; the mixer learns which depth to trust);
 * - outcome: user order 1 + runs after the last skill with its outcome (everyone's, then the user's),
 *   then after the last two with the last outcome;
 * - pause: user order 1 + runs after the last skill given how long ago it ended;
 * - editor: user order 0 + runs in this editor context (language, test file);
 * - two back: user order 0 + runs two steps after the skill before the last;
 * - recency (one per half-life in RECENCY_HALF_LIVES runs): the user's decayed counts, with one
 *   pseudo-run spread as user order 0 (the decay itself is learned as the mixer's choice among them);
 * - match: user order 1, with a learned share moved onto the run that followed the last time this
 *   exact stretch of runs was seen (runHistory.ts).
 *
 * Candidates are the top CANDIDATES_PER_ROW skills of the context rows (each order, the outcome, the
 * editor) and of the general rows, and the user's recent and matched skills; the rest share one
 * column (their split is the user's order-0 model).
 */
import type { CandidateSet } from './candidateSet';
import type { CountRow } from './countRow';
import type { RecencyCounts } from './recencyCounts';
import type { Match, RunHistory } from './runHistory';
import type { ContextKeys, SequenceTables } from './sequenceTables';

export const USER_ORDER = 4;
export const EVERYONE_ORDER = 3;
export const RECENCY_HALF_LIVES: readonly number[] = [2, 8, 32, 128];
const CANDIDATES_PER_ROW = 16;
/** The recency experts' pseudo-count: one run's worth of the user's general model. */
const RECENCY_PRIOR_RUNS = 1;

export const EXPERT = {
  everyone: 0,
  userOrder: (order: number) => 1 + order,
  outcome: USER_ORDER + 2,
  pause: USER_ORDER + 3,
  editor: USER_ORDER + 4,
  twoBack: USER_ORDER + 5,
  recency: (band: number) => USER_ORDER + 6 + band,
  match: USER_ORDER + 6 + RECENCY_HALF_LIVES.length,
} as const;
export const EXPERT_COUNT = EXPERT.match + 1;

/** What a user's model keeps (the parts the experts read). */
export interface UserSequences {
  tables: SequenceTables;
  recency: RecencyCounts;
  history: RunHistory;
}

export interface ExpertSources {
  everyone: SequenceTables;
  user: UserSequences | undefined;
  keys: ContextKeys;
  /** Index k: the row of the order-k context, as far as seen (SequenceTables.findRows). */
  everyoneRows: CountRow[];
  userRows: CountRow[];
  /** The learned probability that a match of this length predicts the next run. */
  matchConfidence(length: number): number;
}

/** One prediction's inputs: the candidates, each input's values over the columns, the split of the rest. */
export class ExpertFrame {
  inputs = new Float64Array(0);
  /** The user's order-0 probabilities (rest column last): how the rest is shared among its skills. */
  fallback = new Float64Array(0);
  columns = 0;
  /** The deepest order of this user's own context that has a row, plus one (0: no runs of theirs). */
  depth = 0;
  match: Match | undefined;

  constructor(readonly candidates: CandidateSet) {}

  /** The rest column's index. */
  get rest(): number {
    return this.columns - 1;
  }

  row(input: number): number {
    return input * this.columns;
  }
}

export function fillFrame(frame: ExpertFrame, sources: ExpertSources, idLimit: number): void {
  gatherCandidates(frame, sources, idLimit);
  const columns = frame.candidates.size + 1;
  frame.columns = columns;
  if (frame.inputs.length < EXPERT_COUNT * columns) frame.inputs = new Float64Array(EXPERT_COUNT * columns * 2);
  if (frame.fallback.length < columns) frame.fallback = new Float64Array(columns * 2);
  frame.match = sources.user?.history.match();
  fillEveryone(frame, sources);
  frame.depth = fillUserOrders(frame, sources);
  fillContextExperts(frame, sources);
  fillRecency(frame, sources.user?.recency);
  fillMatch(frame, sources);
  frame.fallback.set(frame.inputs.subarray(frame.row(EXPERT.userOrder(0)), frame.row(EXPERT.userOrder(0)) + columns));
  toLogs(frame);
}

function gatherCandidates(frame: ExpertFrame, sources: ExpertSources, idLimit: number): void {
  const set = frame.candidates;
  const { keys, user, everyone } = sources;
  set.reset(idLimit);
  if (user) {
    for (const id of user.history.recentDistinct()) set.add(id);
    const match = user.history.match();
    if (match) set.add(match.id);
    addContextRows(set, user.tables, keys, sources.userRows);
  }
  addContextRows(set, everyone, keys, sources.everyoneRows);
}

function addContextRows(set: CandidateSet, tables: SequenceTables, keys: ContextKeys, rows: CountRow[]): void {
  for (let order = rows.length - 1; order >= 1; order--) set.addTop(rows[order], CANDIDATES_PER_ROW);
  set.addTop(tables.outcome.peek(keys.outcome), CANDIDATES_PER_ROW);
  set.addTop(tables.editor.peek(keys.editor), CANDIDATES_PER_ROW);
  set.addTop(tables.general(), CANDIDATES_PER_ROW);
}

/**
 * Witten–Bell step in place on the vector at `at`: keeps q/(n+q) of it and adds the row's counts
 * over n+q (counts of non-candidates go to the rest column). No row: the vector is unchanged.
 */
function blend(frame: ExpertFrame, at: number, row: CountRow | undefined): boolean {
  if (!row || row.total === 0) return false;
  const v = frame.inputs;
  const set = frame.candidates;
  const size = set.size;
  const denominator = row.total + row.distinct;
  const keep = row.distinct / denominator;
  for (let c = 0; c <= size; c++) v[at + c] *= keep;
  let outside = 0;
  if (row.distinct <= size) {
    for (let rank = 0; rank < row.distinct; rank++) {
      const slot = set.slotOf(row.idAt(rank));
      if (slot >= 0) v[at + slot] += row.countAt(rank) / denominator;
      else outside += row.countAt(rank);
    }
  } else {
    let inside = 0;
    for (let c = 0; c < size; c++) {
      const count = row.count(set.ids[c]);
      v[at + c] += count / denominator;
      inside += count;
    }
    outside = row.total - inside;
  }
  v[at + size] += outside / denominator;
  return true;
}

function copyRow(frame: ExpertFrame, from: number, to: number): void {
  const at = frame.row(from);
  frame.inputs.copyWithin(frame.row(to), at, at + frame.columns);
}

/** Everyone's runs in general (with the new-skill share in the rest), then after the last skills. */
function fillEveryone(frame: ExpertFrame, sources: ExpertSources): void {
  const at = frame.row(EXPERT.everyone);
  const v = frame.inputs;
  v.fill(0, at, at + frame.columns);
  v[at + frame.rest] = 1;
  for (const row of sources.everyoneRows) blend(frame, at, row);
}

/** The user's orders 0..USER_ORDER over everyone's; returns the depth (deepest own row + 1). */
function fillUserOrders(frame: ExpertFrame, sources: ExpertSources): number {
  const rows = sources.userRows;
  let from: number = EXPERT.everyone;
  for (let order = 0; order <= USER_ORDER; order++) {
    const to = EXPERT.userOrder(order);
    copyRow(frame, from, to);
    from = to;
    if (order < rows.length) blend(frame, frame.row(to), rows[order]);
  }
  return rows.length > 0 && rows[0].total > 0 ? rows.length : 0;
}

function fillContextExperts(frame: ExpertFrame, sources: ExpertSources): void {
  const { keys, user, everyone } = sources;
  const own = user?.tables;
  const outcome = frame.row(EXPERT.outcome);
  copyRow(frame, EXPERT.userOrder(1), EXPERT.outcome);
  blend(frame, outcome, everyone.outcome.peek(keys.outcome));
  blend(frame, outcome, own?.outcome.peek(keys.outcome));
  if (keys.outcomeAfterTwo !== undefined) blend(frame, outcome, own?.outcomeAfterTwo?.peek(keys.outcomeAfterTwo));
  copyRow(frame, EXPERT.userOrder(1), EXPERT.pause);
  blend(frame, frame.row(EXPERT.pause), everyone.pause.peek(keys.pause));
  blend(frame, frame.row(EXPERT.pause), own?.pause.peek(keys.pause));
  copyRow(frame, EXPERT.userOrder(0), EXPERT.editor);
  blend(frame, frame.row(EXPERT.editor), everyone.editor.peek(keys.editor));
  blend(frame, frame.row(EXPERT.editor), own?.editor.peek(keys.editor));
  copyRow(frame, EXPERT.userOrder(0), EXPERT.twoBack);
  if (keys.twoBack !== undefined) blend(frame, frame.row(EXPERT.twoBack), own?.twoBack?.peek(keys.twoBack));
}

function fillRecency(frame: ExpertFrame, recency: RecencyCounts | undefined): void {
  const v = frame.inputs;
  const ids = frame.candidates.ids;
  const size = frame.candidates.size;
  const general = frame.row(EXPERT.userOrder(0));
  const slots = recency ? recency.slotsOf(ids, size) : undefined;
  for (let band = 0; band < RECENCY_HALF_LIVES.length; band++) {
    const at = frame.row(EXPERT.recency(band));
    if (!recency || !slots) {
      copyRow(frame, EXPERT.userOrder(0), EXPERT.recency(band));
      continue;
    }
    const total = recency.total(band);
    const denominator = total + RECENCY_PRIOR_RUNS;
    let inside = 0;
    for (let c = 0; c < size; c++) {
      const value = recency.valueAt(band, slots[c]);
      inside += value;
      v[at + c] = (value + RECENCY_PRIOR_RUNS * v[general + c]) / denominator;
    }
    v[at + size] = (Math.max(0, total - inside) + RECENCY_PRIOR_RUNS * v[general + size]) / denominator;
  }
}

function fillMatch(frame: ExpertFrame, sources: ExpertSources): void {
  copyRow(frame, EXPERT.userOrder(1), EXPERT.match);
  const match = frame.match;
  if (!match) return;
  const slot = frame.candidates.slotOf(match.id);
  if (slot < 0) return;
  const confidence = sources.matchConfidence(match.length);
  const at = frame.row(EXPERT.match);
  for (let c = 0; c < frame.columns; c++) frame.inputs[at + c] *= 1 - confidence;
  frame.inputs[at + slot] += confidence;
}

/** The smallest probability kept before taking logs (a value below it only comes from underflow). */
const FLOOR = 1e-300;

function toLogs(frame: ExpertFrame): void {
  const v = frame.inputs;
  const end = EXPERT_COUNT * frame.columns;
  for (let i = 0; i < end; i++) v[i] = Math.log(v[i] > FLOOR ? v[i] : FLOOR);
}
