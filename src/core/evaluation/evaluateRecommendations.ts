/**
 * `session-buddy evaluate next | discover`: the product's recommendations replayed online over a
 * history, as the command-prediction literature evaluates (each prediction made from everything
 * before it, then the run is learned), beside simple baselines learned in the same replay.
 *
 * next: before recording a run whose 0-based index in its user's sequence is in [warmup, until),
 * the user's top k is asked for; runs at index ≥ until are never replayed.
 * discover: for each user, at the moment their run number `warmup` is about to be recorded, the
 * top k skills they have not run yet, against the skills they first run in [warmup, until).
 *
 * Deterministic (same input, same predictions, byte for byte) and unable to peek: a prediction is
 * made before the run it is scored on is recorded, from a store that holds only earlier runs.
 */
import { DiscoveryBaselines } from '../recommend/discoveryBaselines';
import { NextSkillBaselines } from '../recommend/nextSkillBaselines';
import { NextSkillScore, type NextSkillFigures } from '../recommend/nextSkillMetrics';
import { discoveryRecall, type DiscoveryRecall } from './discoveryRecall';
import type { EvaluationRun } from './evaluationInput';
import { ReplayStore } from './replayStore';

export interface EvaluationOptions {
  warmup: number;
  until: number;
  k: number;
  migrationsDir?: string;
  /** Hears each prediction (the --predictions file), in replay order. */
  onPrediction?: (line: Record<string, unknown>) => void;
  /** Hears how many runs have been replayed, now and then. */
  onProgress?: (replayed: number, total: number) => void;
}

export interface NextEvaluation {
  protocol: { warmup: number; until: number; k: number };
  replayed: number;
  /** Share of the scored runs whose skill the user had run before (what any per-user model can hope to predict). */
  repeat_share: number;
  model: NextSkillFigures;
  /** By name: everyone's most frequent, the user's most frequent, the user's Markov-1, and the fixed mix of orders 0–3 + recency. */
  baselines: Record<string, NextSkillFigures>;
}

export interface DiscoverEvaluation {
  protocol: { warmup: number; until: number; k: number };
  /** Users asked (those whose run number `warmup` was replayed). */
  users: number;
  model: DiscoveryRecall;
  /** By name: popularity, and Jaccard user-user with 5 neighbours. */
  baselines: Record<string, DiscoveryRecall>;
}

/** The neighbours of the Jaccard user-user baseline. */
const JACCARD_NEIGHBOURS = 5;

const PROGRESS_EVERY = 25_000;
/** Runs recorded in one commit at most, between two questions. */
const GROUP = 2_000;

/** Runs waiting to be recorded: those between two questions go in one commit. */
class PendingRuns {
  private runs: EvaluationRun[] = [];
  private recorded = 0;

  constructor(private readonly replay: ReplayStore, private readonly total: number, private readonly onProgress?: EvaluationOptions['onProgress']) {}

  get replayed(): number {
    return this.recorded + this.runs.length;
  }

  async add(run: EvaluationRun): Promise<void> {
    this.runs.push(run);
    if (this.runs.length >= GROUP) await this.flush();
  }

  /** Records every waiting run (before a question: the answer must know them). */
  async flush(): Promise<void> {
    if (this.runs.length === 0) return;
    const before = this.recorded;
    await this.replay.record(this.runs);
    this.recorded += this.runs.length;
    this.runs = [];
    if (Math.floor(this.recorded / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY)) this.onProgress?.(this.recorded, this.total);
  }
}

export async function evaluateNext(runs: readonly EvaluationRun[], options: EvaluationOptions): Promise<NextEvaluation> {
  const replay = await ReplayStore.open(options.migrationsDir);
  const model = new NextSkillScore(options.k);
  const baselines = new NextSkillBaselines();
  const baselineScores = baselines.all.map((baseline) => ({ baseline, score: new NextSkillScore(options.k) }));
  const seen = new Map<string, Set<string>>();
  const pending = new PendingRuns(replay, runs.length, options.onProgress);
  let scored = 0;
  let repeats = 0;
  try {
    for (const run of runs) {
      if (run.index >= options.until) continue;
      const known = seen.get(run.user) ?? new Set<string>();
      seen.set(run.user, known);
      if (run.index >= options.warmup) {
        await pending.flush();
        scored++;
        if (known.has(run.skill)) repeats++;
        predictNext(replay, run, options, model);
        for (const { baseline, score } of baselineScores) score.add({ user: run.user, top: baseline.top(run.user, options.k), actual: run.skill });
      }
      await pending.add(run);
      baselines.observe(run.user, run.skill);
      known.add(run.skill);
    }
    await pending.flush();
  } finally {
    await replay.close();
  }
  const replayed = pending.replayed;
  return {
    protocol: { warmup: options.warmup, until: options.until, k: options.k },
    replayed,
    repeat_share: scored ? repeats / scored : 0,
    model: model.summary(),
    baselines: Object.fromEntries(baselineScores.map(({ baseline, score }) => [baseline.name, score.summary()])),
  };
}

/**
 * Asks Up next, as the sidebar does, before the run is recorded; scores and reports the answer. The
 * question is asked right after the user's last run: neither the time of the run to come nor its
 * session (whether a new one begins) is known before it happens.
 */
function predictNext(replay: ReplayStore, run: EvaluationRun, options: EvaluationOptions, score: NextSkillScore): void {
  const items = replay.recommendations.upNext(run.user, {}, options.k).items;
  const top = items.map((item) => item.skill);
  const probabilities = items.map((item) => item.probability);
  score.add({ user: run.user, top, actual: run.skill, probabilities, actualProbability: replay.recommendations.probabilityOf(run.user, {}, run.skill) });
  options.onPrediction?.({ user: run.user, index: run.index, actual: run.skill, top, probabilities });
}

export async function evaluateDiscover(runs: readonly EvaluationRun[], options: EvaluationOptions): Promise<DiscoverEvaluation> {
  const firstRuns = firstRunsInWindow(runs, options.warmup, options.until);
  const toAsk = options.warmup < options.until ? runs.filter((run) => run.index === options.warmup).length : 0;
  const replay = await ReplayStore.open(options.migrationsDir);
  const baselines = new DiscoveryBaselines(JACCARD_NEIGHBOURS);
  const lists: { top: string[]; firstRuns: string[] }[] = [];
  const baselineLists = baselines.all.map((baseline) => ({ baseline, lists: [] as { top: string[]; firstRuns: string[] }[] }));
  const pending = new PendingRuns(replay, runs.length, options.onProgress);
  try {
    for (const run of runs) {
      if (run.index >= options.until) continue;
      if (run.index === options.warmup) {
        await pending.flush();
        const found = firstRuns.get(run.user) ?? [];
        const top = replay.recommendations.discover(run.user, options.k).map((item) => item.skill);
        lists.push({ top, firstRuns: found });
        for (const entry of baselineLists) entry.lists.push({ top: entry.baseline.recommend(run.user, options.k), firstRuns: found });
        options.onPrediction?.({ user: run.user, top, new: found });
        // Nothing recorded after the last question can change an answer.
        if (lists.length === toAsk) break;
      }
      await pending.add(run);
      baselines.observe(run.user, run.skill);
    }
    await pending.flush();
  } finally {
    await replay.close();
  }
  return {
    protocol: { warmup: options.warmup, until: options.until, k: options.k },
    users: lists.length,
    model: discoveryRecall(lists),
    baselines: Object.fromEntries(baselineLists.map((entry) => [entry.baseline.name, discoveryRecall(entry.lists)])),
  };
}

/** Per user, the skills first run at an index in [warmup, until), in the order first run. */
function firstRunsInWindow(runs: readonly EvaluationRun[], warmup: number, until: number): Map<string, string[]> {
  const before = new Map<string, Set<string>>();
  const found = new Map<string, string[]>();
  for (const run of runs) {
    if (run.index >= until) continue;
    const earlier = before.get(run.user) ?? new Set<string>();
    before.set(run.user, earlier);
    if (run.index >= warmup && !earlier.has(run.skill)) {
      const list = found.get(run.user) ?? [];
      found.set(run.user, list);
      list.push(run.skill);
    }
    earlier.add(run.skill);
  }
  return found;
}
