/**
 * The next-skill model behind "Up next": an online model of what each user runs next.
 *
 * `observe(run)` first scores the run with what was known before it (the prediction a user would
 * have seen), learns from that score (mixer weights, calibration, the match model's reliability),
 * and only then counts the run. `predict(user, query, k)` answers from the same computation
 * without changing anything, so asking never alters later answers, the same runs in the same order
 * always give the same answers, and an answer depends only on the runs observed before it.
 *
 * Model: experts (nextSkillExperts.ts: the user's variable-order Markov chain over everyone's, the
 * last outcome, the pause, the editor, decayed frequencies, the repeat of an earlier stretch),
 * mixed log-linearly with weights learned online per context and per user (logLinearMixer.ts),
 * the top probability calibrated online (topOneCalibrator.ts). State is built from stored runs by
 * observing them in order (or recording the older ones: `record`), and stays bounded: at most
 * `contextsPerTable` contexts per table of a user and 5× that for everyone's (the least recently
 * counted dropped), `maxUserContexts` contexts over all users and `maxUsers` users (beyond either,
 * the users who ran longest ago are dropped), `historyRuns` runs of order per user, `maxSkills`
 * skill names.
 */
import { ValidationError } from '../validation';
import { CandidateSet } from './candidateSet';
import type { CountRow } from './countRow';
import { LogLinearMixer, type MixerWeights, type OwnWeightSets } from './logLinearMixer';
import { evidenceOf, fallbackEvidence, PAUSE_BANDS, stepOf, type EvidenceInputs } from './nextSkillEvidence';
import { EVERYONE_ORDER, EXPERT_COUNT, ExpertFrame, fillFrame, RECENCY_HALF_LIVES, USER_ORDER, type ExpertSources, type UserSequences } from './nextSkillExperts';
import { reasonText } from './nextSkillReasons';
import type { EditorContext, NextSkillEvidence, NextSkillPrediction, NextSkillQuery, PredictedSkill, SkillRunEvent } from './nextSkillTypes';
import { RecencyCounts } from './recencyCounts';
import { RunHistory } from './runHistory';
import { contextKeys, ID_SPACE, SequenceTables, type ContextKeys } from './sequenceTables';
import { outcomeCode, PAUSE_NEW_SESSION, SessionTrail, type TrailView } from './sessionTrail';
import { SkillDistribution, topSlots, type RestShare } from './skillDistribution';
import { SESSION_START, SkillVocabulary } from './skillVocabulary';
import { TopOneCalibrator } from './topOneCalibrator';

export interface NextSkillModelOptions {
  maxUsers?: number;
  contextsPerTable?: number;
  maxUserContexts?: number;
  historyRuns?: number;
  maxSkills?: number;
}

/** A context costs about 200 bytes (measured on Schonlau's 50 users): the users' stay within about 100 MiB. */
const DEFAULTS: Required<NextSkillModelOptions> = { maxUsers: 10_000, contextsPerTable: 20_000, maxUserContexts: 500_000, historyRuns: 8_192, maxSkills: 100_000 };
/** Skill-specific weight sets kept (each 3 rates × 15 weights): about 7 MiB. */
const SPECIFIC_WEIGHT_SETS = 20_000;
const OUTCOME_STATES = 4;
const DEPTHS = USER_ORDER + 2;
/** Everyone's tables hold more contexts than one user's: they are shared by all users. */
const EVERYONE_CONTEXT_FACTOR = 5;
/** A match's reliability per length starts at one hit in two tries (Laplace's rule). */
const MATCH_PRIOR = 1;
const MATCH_LENGTHS = 65;
/** Editor contexts are few (languages × test or not); a flood of made-up language ids shares the last key. */
const MAX_EDITOR_CONTEXTS = 1_000;
const UNSEEN_EDITOR = MAX_EDITOR_CONTEXTS + 1;

/** A run the model can learn from: names, a finite time, a duration that is not negative. */
function checkRun(run: SkillRunEvent): void {
  if (typeof run.user !== 'string' || run.user.length === 0) throw new ValidationError('user', 'must be a non-empty string');
  if (typeof run.skill !== 'string' || run.skill.length === 0) throw new ValidationError('skill', 'must be a non-empty string');
  if (!Number.isFinite(run.atMs)) throw new ValidationError('atMs', 'must be a finite number of epoch milliseconds');
  if (run.durationSeconds !== undefined && !(run.durationSeconds >= 0)) throw new ValidationError('durationSeconds', 'must be a number ≥ 0');
}

/**
 * The mixer's weight sets for a context: general by the depth of the user's own known context and
 * the last outcome (0: session start), specific by the last skill as well.
 */
function weightSets(view: TrailView, depth: number): { general: number; specific: number } {
  const last = view.steps.length === 0 ? undefined : view.steps[view.steps.length - 1];
  const outcome = last === undefined ? 0 : 1 + last.outcome;
  const general = depth * OUTCOME_STATES + outcome;
  return { general, specific: ((last?.id ?? SESSION_START) * OUTCOME_STATES + outcome) * DEPTHS + depth };
}

function editorKey(editor: EditorContext): string {
  const test = editor.isTestFile === undefined ? '' : editor.isTestFile ? 'test' : 'source';
  return `${editor.languageId ?? ''}|${test}`;
}

class UserState implements UserSequences {
  readonly tables: SequenceTables;
  readonly recency = new RecencyCounts(RECENCY_HALF_LIVES);
  readonly history: RunHistory;
  readonly trail = new SessionTrail(USER_ORDER);
  readonly weights: OwnWeightSets = new Map();
  /** The tables' size when last counted into (for the model's total). */
  contexts = 0;

  constructor(options: Required<NextSkillModelOptions>) {
    this.tables = new SequenceTables(USER_ORDER, options.contextsPerTable, true);
    this.history = new RunHistory(options.historyRuns);
  }
}

interface Lifts {
  weights: Float64Array;
  expected: Float64Array;
}

/** The last computation, reused when the same question is asked again before anything changes. */
interface Computed {
  user: string;
  state: UserState | undefined;
  version: number;
  query: string;
  view: TrailView;
  keys: ContextKeys;
  editor: EditorContext;
  sources: ExpertSources;
  /** The mixer's weight sets: general (depth, last outcome), specific (and last skill). */
  general: number;
  specific: number;
  weights: MixerWeights;
  /** The mixer's probabilities (before calibration), per column. */
  mixed: Float64Array;
  /** Each learning rate's probabilities (LogLinearMixer.mix). */
  perRate: Float64Array;
  /** Calibrated, per column. */
  calibrated: Float64Array;
  /** The best candidate's column, or −1 when there is none. */
  top: number;
}

export class NextSkillModel {
  private readonly options: Required<NextSkillModelOptions>;
  private readonly vocabulary: SkillVocabulary;
  private readonly everyone: SequenceTables;
  private readonly users = new Map<string, UserState>();
  private readonly mixer = new LogLinearMixer(EXPERT_COUNT, SPECIFIC_WEIGHT_SETS);
  private readonly calibrator = new TopOneCalibrator();
  private readonly matchTries = new Float64Array(MATCH_LENGTHS);
  private readonly matchHits = new Float64Array(MATCH_LENGTHS);
  private readonly frame = new ExpertFrame(new CandidateSet());
  private readonly editors = new Map<string, number>();
  /** The rows of the context of the last computation (reused, to spare two arrays per run). */
  private readonly everyoneRows: CountRow[] = [];
  private readonly userRows: CountRow[] = [];
  private readonly matchConfidence = (length: number): number => (this.matchHits[length] + MATCH_PRIOR) / (this.matchTries[length] + 2 * MATCH_PRIOR);
  private last: Computed | undefined;
  private version = 0;
  private userContexts = 0;

  constructor(options: NextSkillModelOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.vocabulary = new SkillVocabulary(Math.min(this.options.maxSkills, ID_SPACE - 2));
    this.everyone = new SequenceTables(EVERYONE_ORDER, this.options.contextsPerTable * EVERYONE_CONTEXT_FACTOR, false);
  }

  /** Users with state (at most maxUsers). */
  get userCount(): number {
    return this.users.size;
  }

  /** Scores the run with what was known before it, learns from that, then counts it. */
  observe(run: SkillRunEvent): void {
    checkRun(run);
    const state = this.stateFor(run.user);
    const editor = { languageId: run.editor?.languageId, isTestFile: run.editor?.isTestFile };
    this.editorId(editor, true);
    const computed = this.compute(run.user, state, { atMs: run.atMs, session: run.session, ...editor });
    const id = this.vocabulary.intern(run.skill);
    this.learn(computed, state, id);
    this.count(state, computed.view, computed.keys, id, run);
  }

  /**
   * Counts a run without scoring it first (about a third of observe's cost): for rebuilding from a
   * long stored history, record the older runs and observe the recent ones, from which the mixer
   * and the calibration learn.
   */
  record(run: SkillRunEvent): void {
    checkRun(run);
    const state = this.stateFor(run.user);
    const view = state.trail.view(run.atMs, run.session);
    const keys = contextKeys(view, this.editorId({ languageId: run.editor?.languageId, isTestFile: run.editor?.isTestFile }, true), USER_ORDER);
    this.count(state, view, keys, this.vocabulary.intern(run.skill), run);
  }

  /** The probability of every skill being the user's next run. */
  distribution(user: string, query: NextSkillQuery = {}): SkillDistribution {
    const computed = this.compute(user, this.users.get(user), query);
    const candidates = this.frame.candidates;
    return new SkillDistribution(this.vocabulary, candidates.ids.slice(0, candidates.size), computed.calibrated.slice(0, this.frame.columns), this.restShare(computed));
  }

  /** The k most probable next skills, each with its probability and the evidence behind it. */
  predict(user: string, query: NextSkillQuery = {}, k = 5): NextSkillPrediction {
    const computed = this.compute(user, this.users.get(user), query);
    const slots = topSlots(computed.calibrated, this.frame.candidates.size, k, (slot) => this.vocabulary.name(this.frame.candidates.ids[slot]));
    const lifts = this.liftsOf(computed);
    const items = slots.map((slot) => this.item(computed, slot, lifts));
    let shown = 0;
    for (const item of items) shown += item.probability;
    return {
      items,
      restProbability: Math.max(0, 1 - shown),
      unseenProbability: this.unseen(computed),
      context: {
        session: computed.view.steps.map((step) => stepOf(step, this.vocabulary, true)),
        pause: computed.view.pause === PAUSE_NEW_SESSION ? 'new session' : PAUSE_BANDS[computed.view.pause],
        editor: computed.editor,
      },
    };
  }

  private stateFor(user: string): UserState {
    let state = this.users.get(user);
    if (state) this.users.delete(user);
    else state = new UserState(this.options);
    this.users.set(user, state);
    this.dropUsersBeyond(this.options.maxUsers, Number.POSITIVE_INFINITY);
    return state;
  }

  /** Drops the users who ran longest ago (never the one just seen) while over either limit. */
  private dropUsersBeyond(users: number, contexts: number): void {
    while (this.users.size > 1 && (this.users.size > users || this.userContexts > contexts)) {
      const [oldest, state] = this.users.entries().next().value as [string, UserState];
      this.users.delete(oldest);
      this.userContexts -= state.contexts;
    }
  }

  private compute(user: string, state: UserState | undefined, query: NextSkillQuery): Computed {
    const editor: EditorContext = { languageId: query.languageId, isTestFile: query.isTestFile };
    const key = `${query.atMs}\u0000${query.session}\u0000${editor.languageId}\u0000${editor.isTestFile}`;
    const last = this.last;
    if (last && last.version === this.version && last.user === user && last.state === state && last.query === key) return last;
    const view = state ? state.trail.view(query.atMs, query.session) : { steps: [], pause: PAUSE_NEW_SESSION };
    const keys = contextKeys(view, this.editorId(editor, false), USER_ORDER);
    this.everyone.findRows(keys, this.everyoneRows);
    if (state) state.tables.findRows(keys, this.userRows);
    else this.userRows.length = 0;
    const sources: ExpertSources = { everyone: this.everyone, user: state, keys, everyoneRows: this.everyoneRows, userRows: this.userRows, matchConfidence: this.matchConfidence };
    fillFrame(this.frame, sources, this.vocabulary.size);
    const columns = this.frame.columns;
    const { general, specific } = weightSets(view, this.frame.depth);
    const weights = this.mixer.weightsFor(general, specific, state?.weights.get(general));
    const mixed = last && last.mixed.length >= columns ? last.mixed : new Float64Array(columns * 2);
    const calibrated = last && last.calibrated.length >= columns ? last.calibrated : new Float64Array(columns * 2);
    const perRate = last && last.perRate.length >= LogLinearMixer.perRateSize(columns) ? last.perRate : new Float64Array(LogLinearMixer.perRateSize(columns) * 2);
    this.mixer.mix(this.frame.inputs, columns, weights, mixed, perRate);
    const top = topSlots(mixed, columns - 1, 1, (slot) => this.vocabulary.name(this.frame.candidates.ids[slot]))[0] ?? -1;
    this.calibrate(mixed, calibrated, columns, top);
    this.last = { user, state, version: this.version, query: key, view, keys, editor, sources, general, specific, weights, mixed, perRate, calibrated, top };
    return this.last;
  }

  /**
   * The calibrated top probability, the others scaled to keep the sum at 1. The top item stays on
   * top: its calibrated value is not allowed below the (scaled) second's.
   */
  private calibrate(mixed: Float64Array, calibrated: Float64Array, columns: number, top: number): void {
    calibrated.set(mixed.subarray(0, columns));
    if (top < 0 || mixed[top] >= 1) return;
    let second = 0;
    for (let c = 0; c < columns - 1; c++) if (c !== top && mixed[c] > second) second = mixed[c];
    const raw = mixed[top];
    const floor = second / (1 - raw + second);
    const value = Math.min(1, Math.max(floor, this.calibrator.calibrate(raw)));
    const scale = (1 - value) / (1 - raw);
    for (let c = 0; c < columns; c++) calibrated[c] = c === top ? value : mixed[c] * scale;
  }

  private learn(computed: Computed, state: UserState, id: number): void {
    const slot = this.frame.candidates.slotOf(id);
    const target = slot >= 0 ? slot : this.frame.rest;
    let own = state.weights.get(computed.general);
    if (!own) state.weights.set(computed.general, (own = this.mixer.newOwn()));
    this.mixer.learn(this.frame.inputs, this.frame.columns, computed.perRate, target, { general: computed.general, specific: computed.specific, own });
    if (computed.top >= 0) this.calibrator.learn(computed.mixed[computed.top], computed.top === target);
    const match = this.frame.match;
    if (match) {
      this.matchTries[match.length] += 1;
      if (match.id === id) this.matchHits[match.length] += 1;
    }
  }

  private count(state: UserState, view: TrailView, keys: ContextKeys, id: number, run: SkillRunEvent): void {
    state.tables.record(keys, id);
    this.everyone.record(keys, id);
    state.recency.add(id);
    if (view.pause === PAUSE_NEW_SESSION) state.history.record(SESSION_START);
    state.history.record(id);
    const endMs = run.atMs + Math.max(0, run.durationSeconds ?? 0) * 1000;
    state.trail.record(view, { id, outcome: outcomeCode(run.completed) }, endMs, run.session);
    const contexts = state.tables.size;
    this.userContexts += contexts - state.contexts;
    state.contexts = contexts;
    this.dropUsersBeyond(this.options.maxUsers, this.options.maxUserContexts);
    this.version++;
  }

  /**
   * A number per editor context (language, test file): the first MAX_EDITOR_CONTEXTS get their own,
   * later ones share one. Only runs add contexts (`add`); a question in an unseen context gets a
   * number no run has, so asking changes nothing.
   */
  private editorId(editor: EditorContext, add: boolean): number {
    const key = editorKey(editor);
    const known = this.editors.get(key);
    if (known !== undefined) return known;
    if (!add) return UNSEEN_EDITOR;
    if (this.editors.size >= MAX_EDITOR_CONTEXTS) return MAX_EDITOR_CONTEXTS;
    this.editors.set(key, this.editors.size);
    return this.editors.size - 1;
  }

  private item(computed: Computed, slot: number, lifts: Lifts): PredictedSkill {
    const skill = this.vocabulary.name(this.frame.candidates.ids[slot]);
    const evidence = this.evidence(computed, slot, lifts);
    return { skill, probability: computed.calibrated[slot], reason: reasonText(skill, evidence), evidence };
  }

  /** Per input, its weight and its expected value under the mixture: what its lift for a skill is measured from. */
  private liftsOf(computed: Computed): Lifts {
    const frame = this.frame;
    const weights = new Float64Array(EXPERT_COUNT);
    const expected = new Float64Array(EXPERT_COUNT);
    for (let input = 0; input < EXPERT_COUNT; input++) {
      const row = frame.row(input);
      for (let c = 0; c < frame.columns; c++) expected[input] += computed.mixed[c] * frame.inputs[row + c];
      weights[input] = this.mixer.weightOf(computed.weights, input);
    }
    return { weights, expected };
  }

  /**
   * The evidence of the input that raised this skill most above the mixture's average: weight ×
   * (its value for the skill − its expected value), the input's share of the skill's log-odds.
   */
  private evidence(computed: Computed, slot: number, lifts: Lifts): NextSkillEvidence {
    const frame = this.frame;
    const ranked: { input: number; lift: number }[] = [];
    for (let input = 0; input < EXPERT_COUNT; input++) {
      const lift = lifts.weights[input] * (frame.inputs[frame.row(input) + slot] - lifts.expected[input]);
      if (lift > 0) ranked.push({ input, lift });
    }
    ranked.sort((a, b) => b.lift - a.lift || a.input - b.input);
    const inputs: EvidenceInputs = { sources: computed.sources, view: computed.view, editor: computed.editor, vocabulary: this.vocabulary };
    const id = frame.candidates.ids[slot];
    for (const { input } of ranked) {
      const found = evidenceOf(inputs, input, id);
      if (found) return found;
    }
    return fallbackEvidence(inputs, id);
  }

  /**
   * The probability that the next run is a skill this user has never run: the candidates they have
   * not run, and the share of the rest outside their skills. That share needs Σ of everyone's
   * general probability over the user's skills; everyone's chain is linear in each row's counts, so
   * it is one pass per row over the smaller of the row and the user's skills (not one chain per skill).
   */
  private unseen(computed: Computed): number {
    const own = computed.sources.userRows[0];
    const known = own && own.total > 0 ? own : undefined;
    const ids = this.frame.candidates.ids;
    const rest = this.frame.rest;
    const everyoneRows = computed.sources.everyoneRows;
    let unseen = 0;
    let candidatesOutside = 0;
    for (let slot = 0; slot < rest; slot++) {
      if ((known?.count(ids[slot]) ?? 0) > 0) continue;
      unseen += computed.calibrated[slot];
      candidatesOutside += generalProbability(everyoneRows, ids[slot]);
    }
    const keep = known ? known.distinct / (known.total + known.distinct) : 1;
    const outside = keep * (1 - (known ? massOn(everyoneRows, known) : 0) - candidatesOutside);
    return Math.min(1, unseen + (computed.calibrated[rest] * Math.max(0, outside)) / this.frame.fallback[rest]);
  }

  /**
   * How the rest is shared: in proportion to the user's order-0 probability, the split the experts
   * gave the rest column. It reads the rows as they are now, so it refuses once the model has learned.
   */
  private restShare(computed: Computed): RestShare {
    const version = this.version;
    const restProbability = this.frame.fallback[this.frame.rest];
    const rows: CountRow[] = [];
    for (const row of computed.sources.everyoneRows) rows.push(row);
    if (computed.sources.userRows.length > 0) rows.push(computed.sources.userRows[0]);
    return (id) => {
      if (this.version !== version) throw new Error('the model has learned since this prediction: the split of its rest is gone');
      return generalProbability(rows, id) / restProbability;
    };
  }
}

/**
 * Σ over the skills of `known` of the probability the chain of `rows` gives them. A row's counts
 * enter the chain divided by its n+q and then scaled by every later row's q/(n+q).
 */
function massOn(rows: readonly CountRow[], known: CountRow): number {
  let mass = 0;
  let scale = 1;
  for (let order = rows.length - 1; order >= 0; order--) {
    const row = rows[order];
    if (row.total === 0) continue;
    let counted = 0;
    if (row.distinct <= known.distinct) {
      for (let rank = 0; rank < row.distinct; rank++) if (known.count(row.idAt(rank)) > 0) counted += row.countAt(rank);
    } else {
      for (let rank = 0; rank < known.distinct; rank++) counted += row.count(known.idAt(rank));
    }
    const denominator = row.total + row.distinct;
    mass += (scale * counted) / denominator;
    scale *= row.distinct / denominator;
  }
  return mass;
}

/**
 * A skill's order-0 probability for a user, built as the experts build it: everything starts in
 * the new-skill share (undefined: a name nobody has run), then each row blends in (everyone's, then
 * the user's general counts).
 */
function generalProbability(rows: readonly CountRow[], id: number | undefined): number {
  let value = id === undefined ? 1 : 0;
  for (const row of rows) {
    if (row.total > 0) value = (value * row.distinct + (id === undefined ? 0 : row.count(id))) / (row.total + row.distinct);
  }
  return value;
}
