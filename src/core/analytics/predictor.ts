import fs from 'node:fs';
import KNN, { type KdNode, type KnnModel } from 'ml-knn';
import { writeFileAtomic } from '../store/atomicFile';
import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';
import { optionalText, optionalTimestamp, requireName, ValidationError } from '../validation';
import {
  FEATURE_NAMES,
  encode,
  encodedWidth,
  countSamples,
  forEachSample,
  featureColumns,
  featuresAt,
  fitEncoder,
  type FeatureEncoder,
  type FeatureName,
  type PredictionContext,
  type ResolvedContext,
  type Sample,
} from './predictorFeatures';
import { chosenPositions, seededRandom, shuffled, type Random } from './seededRandom';
import { plural } from '../../shared/words';

export type { FeatureName, PredictionContext } from './predictorFeatures';

/** Below this many invocations in the window the predictor refuses to train. */
export const MIN_TRAINING_SAMPLES = 100;
/** The newest share of the samples, by time, held out for evaluation. */
export const HOLDOUT_SHARE = 0.2;
/**
 * At most this many invocations are kept as neighbours in the model (and fitted on in evaluation),
 * chosen uniformly with a fixed seed. A prediction scans every stored point, so this cap is what
 * keeps it well under 5 ms, training under 2 s and the model file near 1 MB however large the
 * store grows (bench/experiments.ts measures all three at 100k invocations).
 */
export const MAX_MODEL_POINTS = 4000;
/** At most this many held-out invocations are scored (accuracy and permutation importance). */
export const MAX_EVALUATION_POINTS = 1500;
/** Retrain once new invocations amount to this share of the samples the model was trained on. */
export const RETRAIN_GROWTH = 0.2;

const MIN_K = 5;
const MAX_K = 25;
const SEED = 0x5b1d;
const FORMAT = 'session-buddy-predictor';
const FORMAT_VERSION = 1;

export interface TrainProgress {
  stage: 'reading' | 'evaluating' | 'fitting' | 'saving';
  done: number;
  total: number;
}

export interface TrainOptions {
  days?: number;
  onProgress?: (progress: TrainProgress) => void;
  /** The end of the training window (exclusive); default now. */
  now?: Date;
}

export interface TrainResult {
  /** Invocations in the window (every one of them is a sample). */
  samples: number;
  /** Older samples the evaluated model was fitted on, and newest samples it was scored on (after the caps). */
  trainingSamples: number;
  holdoutSamples: number;
  /** Share of the held-out invocations predicted right (probability ≥ 0.5 → completes). */
  accuracy: number;
  /** Accuracy of always predicting the training majority outcome. */
  baselineAccuracy: number;
  /** Drop in hold-out accuracy when the feature is shuffled across invocations (≈ 0: not used). */
  featureImportance: Record<FeatureName, number>;
  k: number;
  trainedAt: string;
  modelPath: string;
}

export interface SkillPrediction {
  skill_name: string;
  /** Share of the k nearest past invocations that completed, 0..1. */
  probability: number;
  neighbours: number;
  model_trained_at: string;
}

/** The predictor will not train on these data (too few, or a single outcome). */
export class PredictorRefusal extends Error {
  // Named explicitly: the name crosses from the analytics worker, and bundling may rename classes.
  override readonly name = 'PredictorRefusal';
}

/** No usable model beside the database. */
export class PredictorNotTrainedError extends Error {}

interface SavedPredictor {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  trained_at: string;
  days: number;
  /** Samples in the window when trained, and the newest of them (for the retraining rule). */
  samples: number;
  newest_sample_at: string;
  accuracy: number;
  baseline_accuracy: number;
  feature_importance: Record<FeatureName, number>;
  encoder: FeatureEncoder;
  k: number;
  knn: KnnModel<number>;
}

interface LoadedPredictor {
  saved: SavedPredictor;
  /** The model's stored rows, flattened (row-major) for a direct neighbour scan. */
  points: Float64Array;
  labels: Uint8Array;
}

/** The model file beside the database. */
export function predictorPath(store: Pick<Store, 'paths'>): string {
  return store.paths.predictor;
}

/**
 * Trains on the invocations of the last `days` days and saves the model beside the database.
 * Evaluation is on a time-ordered hold-out (the newest 20 %) against the majority baseline, with
 * permutation importance; the saved model then uses every sample (within the cap), so it knows
 * the most recent behaviour. The work yields to the event loop regularly, so callers in an editor
 * stay responsive; progress goes to onProgress.
 */
export async function trainPredictor(store: Pick<Store, 'db' | 'paths'>, options: TrainOptions = {}): Promise<TrainResult> {
  const days = options.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new ValidationError('days', `must be a whole number from 1 to 3650 (got ${String(days)})`);
  const progress = options.onProgress ?? (() => undefined);
  const now = options.now ?? new Date();
  progress({ stage: 'reading', done: 0, total: 1 });
  const from = new Date(now.getTime() - days * 86_400_000).toISOString();
  const until = now.toISOString();
  const counted = countSamples(store.db, from, until);
  refuseUnsuitable(counted.samples, counted.completed, days);
  // The positions to keep are drawn before the one pass over the samples, which keeps only them:
  // holding every sample took hundreds of MB at 1M runs.
  const random = seededRandom(SEED);
  const split = Math.floor(counted.samples * (1 - HOLDOUT_SHARE));
  const inTraining = chosenPositions(split, MAX_MODEL_POINTS, random);
  const inHoldout = chosenPositions(counted.samples - split, MAX_EVALUATION_POINTS, random);
  const inModel = chosenPositions(counted.samples, MAX_MODEL_POINTS, random);
  const [training, holdout, modelSamples]: Sample[][] = [[], [], []];
  let newest = '';
  forEachSample(store.db, from, until, (sample, i) => {
    // A run recorded after the count (another process, on the file) is not in this training.
    if (i >= counted.samples) return;
    newest = sample.invoked_at;
    if (i < split && inTraining[i]) training.push(sample);
    if (i >= split && inHoldout[i - split]) holdout.push(sample);
    if (inModel[i]) modelSamples.push(sample);
  });
  progress({ stage: 'reading', done: 1, total: 1 });
  await pause();

  const evaluation = await evaluate(training, holdout, random, (done, total) => progress({ stage: 'evaluating', done, total }));

  progress({ stage: 'fitting', done: 0, total: 1 });
  const encoder = fitEncoder(modelSamples);
  const k = chooseK(modelSamples.length);
  const knn = new KNN<number>(modelSamples.map((s) => encode(encoder, s.features)), modelSamples.map((s) => s.label), { k });
  progress({ stage: 'fitting', done: 1, total: 1 });
  await pause();

  progress({ stage: 'saving', done: 0, total: 1 });
  const saved: SavedPredictor = {
    format: FORMAT,
    version: FORMAT_VERSION,
    trained_at: new Date().toISOString(),
    days,
    samples: counted.samples,
    newest_sample_at: newest,
    accuracy: evaluation.accuracy,
    baseline_accuracy: evaluation.baselineAccuracy,
    feature_importance: evaluation.importance,
    encoder,
    k,
    knn: knn.toJSON(),
  };
  const path = predictorPath(store);
  writeFileAtomic(path, JSON.stringify(saved));
  models.set(path, { stamp: modelFileVersion(path), loaded: withPoints(saved, knn) });
  progress({ stage: 'saving', done: 1, total: 1 });
  return {
    samples: counted.samples,
    trainingSamples: training.length,
    holdoutSamples: holdout.length,
    accuracy: evaluation.accuracy,
    baselineAccuracy: evaluation.baselineAccuracy,
    featureImportance: evaluation.importance,
    k,
    trainedAt: saved.trained_at,
    modelPath: path,
  };
}

/** Probability that `skill` completes in this context: the neighbours' vote share, not a hard label. */
export function predictSkillSuccess(store: Store, skill: string, context: PredictionContext = {}): SkillPrediction {
  const name = requireName('skill', skill);
  const resolved = resolveContext(context);
  const model = loadPredictor(store);
  if (!model) throw new PredictorNotTrainedError(`the predictor has not been trained yet (no model at ${predictorPath(store)}); train it with \`session-buddy predictor train\``);
  const x = Float64Array.from(encode(model.saved.encoder, featuresAt(store.db, name, resolved)));
  const distances = new Float64Array(model.labels.length);
  squaredDistances(x, 0, model.points, x.length, distances);
  const votes = new NeighbourVotes(model.saved.k, model.labels);
  for (let p = 0; p < distances.length; p++) votes.offer(distances[p], p);
  return { skill_name: name, probability: votes.share(), neighbours: votes.count, model_trained_at: model.saved.trained_at };
}

function resolveContext(context: PredictionContext): ResolvedContext {
  if (!context || typeof context !== 'object') throw new ValidationError('context', 'must be an object');
  return {
    at: context.at === undefined ? Date.now() : Date.parse(optionalTimestamp('at', context.at, nowTimestamp)),
    phase: optionalText('phase', context.phase, 64),
    sessionId: context.sessionId === undefined ? null : requireName('sessionId', context.sessionId),
    sessionStartedAt: context.sessionStartedAt === undefined ? null : Date.parse(optionalTimestamp('sessionStartedAt', context.sessionStartedAt, nowTimestamp)),
  };
}

/** A summary of the saved model, or undefined when there is none. */
export function getPredictorInfo(store: Store): Omit<SavedPredictor, 'knn' | 'encoder' | 'format' | 'version'> | undefined {
  const model = loadPredictor(store);
  if (!model) return undefined;
  const { knn: _knn, encoder: _encoder, format: _format, version: _version, ...info } = model.saved;
  return info;
}

interface CachedModel {
  stamp: string;
  loaded: LoadedPredictor | undefined;
}

const models = new Map<string, CachedModel>();

/** The saved model, re-read when the file changes (another window may have retrained). */
function loadPredictor(store: Store): LoadedPredictor | undefined {
  const path = predictorPath(store);
  const stamp = modelFileVersion(path);
  const cached = models.get(path);
  if (cached && cached.stamp === stamp) return cached.loaded;
  let loaded: LoadedPredictor | undefined;
  if (stamp !== 'missing') {
    const saved = parseSaved(fs.readFileSync(path, 'utf8'), path);
    loaded = withPoints(saved, KNN.load<number>(saved.knn));
  }
  models.set(path, { stamp, loaded });
  return loaded;
}

function parseSaved(text: string, path: string): SavedPredictor {
  const fail = (why: string) => new PredictorNotTrainedError(`the predictor model ${path} cannot be used (${why}); train it again with \`session-buddy predictor train\``);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail('not valid JSON');
  }
  const saved = value as Partial<SavedPredictor> | null;
  if (!saved || saved.format !== FORMAT) throw fail('not a predictor model');
  if (saved.version !== FORMAT_VERSION) throw fail(`format version ${String(saved.version)}, expected ${FORMAT_VERSION}`);
  const encoder = saved.encoder;
  if (
    !encoder ||
    !Array.isArray(encoder.phases) ||
    !Array.isArray(encoder.means) ||
    !Array.isArray(encoder.stds) ||
    encoder.means.length !== encoder.stds.length ||
    encoder.means.length !== encodedWidth(encoder)
  ) {
    throw fail('bad feature encoder');
  }
  if (!saved.knn || saved.knn.name !== 'KNN' || !saved.knn.isEuclidean || !Number.isInteger(saved.k) || saved.k! < 1) throw fail('bad neighbour model');
  if (typeof saved.trained_at !== 'string' || typeof saved.newest_sample_at !== 'string' || typeof saved.samples !== 'number') throw fail('missing training details');
  return saved as SavedPredictor;
}

/**
 * The stored rows in a fixed (pre-order) walk of the tree, which toJSON/load preserve, so a
 * reloaded model finds the same neighbours in the same order. ml-knn's own search is not used: it
 * gives hard labels only, and its k-d tree pruning never takes effect, so it visits every node
 * anyway, with an allocation per node.
 */
function withPoints(saved: SavedPredictor, knn: KNN<number>): LoadedPredictor {
  const width = saved.encoder.means.length;
  const rows: KdNode['obj'][] = [];
  const stack: KdNode[] = knn.kdTree.root ? [knn.kdTree.root] : [];
  while (stack.length) {
    const node = stack.pop()!;
    rows.push(node.obj);
    if (node.right) stack.push(node.right);
    if (node.left) stack.push(node.left);
  }
  const points = new Float64Array(rows.length * width);
  const labels = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    if (row.length !== width + 1) throw new PredictorNotTrainedError(`the predictor model has rows of ${row.length - 1} features, expected ${width}; train it again`);
    for (let c = 0; c < width; c++) points[i * width + c] = Number(row[c]);
    labels[i] = row[width] === 1 ? 1 : 0;
  });
  return { saved, points, labels };
}

function refuseUnsuitable(samples: number, completed: number, days: number): void {
  if (samples < MIN_TRAINING_SAMPLES) {
    throw new PredictorRefusal(
      `not enough data to train the predictor: ${plural(samples, 'invocation')} in the last ${plural(days, 'day')}, at least ${MIN_TRAINING_SAMPLES} are needed`,
    );
  }
  if (completed === 0 || completed === samples) {
    const outcome = completed === 0 ? 'failed' : 'completed';
    throw new PredictorRefusal(`cannot train the predictor: all ${samples} invocations in the last ${plural(days, 'day')} ${outcome}; it needs both outcomes`);
  }
}

/** Odd (no tied votes), about √n, within [5, 25]. */
function chooseK(points: number): number {
  const k = Math.max(MIN_K, Math.min(MAX_K, Math.round(Math.sqrt(points))));
  return k % 2 === 0 ? k + 1 : k;
}

interface Evaluation {
  accuracy: number;
  baselineAccuracy: number;
  importance: Record<FeatureName, number>;
}

/**
 * Scores the model fitted on `training` on the later `holdout`, and each feature's permutation
 * importance: the feature's columns of every held-out row are replaced by those of another
 * held-out row (a seeded shuffle), so the feature keeps its distribution but loses its link to the
 * outcome. Neighbours are found by a direct scan (the same Euclidean metric, k and vote as a
 * prediction). A shuffled feature changes only its own columns' share of each squared distance:
 * with query q and donor r, Σ_c (r_c − t_c)² − (q_c − t_c)² = Σ_c (r_c² − q_c²) − 2 t_c (r_c − q_c),
 * so each permuted distance is the base distance plus a constant plus a short dot product.
 */
async function evaluate(training: Sample[], holdout: Sample[], random: Random, progress: (done: number, total: number) => void): Promise<Evaluation> {
  const encoder = fitEncoder(training);
  const columns = featureColumns(encoder);
  const width = encoder.means.length;
  const trainX = flatten(training.map((s) => encode(encoder, s.features)), width);
  const trainByColumn = Array.from({ length: width }, (_, c) => Float64Array.from(training, (_s, p) => trainX[p * width + c]));
  const evalX = flatten(holdout.map((s) => encode(encoder, s.features)), width);
  const votes = new NeighbourVotes(chooseK(training.length), Uint8Array.from(training, (s) => s.label));
  const majority = 2 * training.reduce((n, s) => n + s.label, 0) >= training.length ? 1 : 0;
  const permuted = FEATURE_NAMES.filter((f) => columns[f].length > 0);
  const permutations = permuted.map(() => shuffled(holdout.map((_, i) => i), random));
  const correct = new Array<number>(permuted.length).fill(0);
  const base = new Float64Array(training.length);
  const altered = new Float64Array(training.length);
  const weights = new Float64Array(width);
  let baseCorrect = 0;
  let baselineCorrect = 0;
  for (let i = 0; i < holdout.length; i++) {
    const label = holdout[i].label;
    squaredDistances(evalX, i, trainX, width, base);
    votes.reset();
    for (let p = 0; p < base.length; p++) votes.offer(base[p], p);
    if (votes.vote() === label) baseCorrect++;
    if (majority === label) baselineCorrect++;
    for (let g = 0; g < permuted.length; g++) {
      const cols = columns[permuted[g]];
      const donor = permutations[g][i];
      let shift = 0;
      for (const c of cols) {
        const q = evalX[i * width + c];
        const r = evalX[donor * width + c];
        shift += r * r - q * q;
        weights[c] = -2 * (r - q);
      }
      altered.set(base);
      for (const c of cols) {
        const column = trainByColumn[c];
        const w = weights[c];
        for (let p = 0; p < altered.length; p++) altered[p] += w * column[p];
      }
      votes.reset();
      for (let p = 0; p < altered.length; p++) votes.offer(altered[p] + shift, p);
      if (votes.vote() === label) correct[g]++;
    }
    if (i % 50 === 49) {
      progress(i + 1, holdout.length);
      await pause();
    }
  }
  progress(holdout.length, holdout.length);
  const accuracy = baseCorrect / holdout.length;
  const importance = Object.fromEntries(FEATURE_NAMES.map((f) => [f, 0])) as Record<FeatureName, number>;
  permuted.forEach((f, g) => (importance[f] = accuracy - correct[g] / holdout.length));
  return { accuracy, baselineAccuracy: baselineCorrect / holdout.length, importance };
}

function squaredDistances(queries: Float64Array, q: number, points: Float64Array, width: number, out: Float64Array): void {
  const qo = q * width;
  for (let p = 0, po = 0; p < out.length; p++, po += width) {
    let d = 0;
    for (let c = 0; c < width; c++) {
      const diff = queries[qo + c] - points[po + c];
      d += diff * diff;
    }
    out[p] = d;
  }
}

/** The k smallest distances offered since reset(), and their majority vote (ties in distance: the earlier point). */
class NeighbourVotes {
  private readonly bestD: Float64Array;
  private readonly bestI: Int32Array;
  private size = 0;

  constructor(private readonly k: number, private readonly labels: Uint8Array) {
    this.bestD = new Float64Array(k);
    this.bestI = new Int32Array(k);
  }

  get count(): number {
    return this.size;
  }

  reset(): void {
    this.size = 0;
  }

  offer(d: number, p: number): void {
    const { bestD, bestI, k } = this;
    if (this.size === k && d >= bestD[k - 1]) return;
    let pos = this.size < k ? this.size++ : k - 1;
    while (pos > 0 && bestD[pos - 1] > d) {
      bestD[pos] = bestD[pos - 1];
      bestI[pos] = bestI[pos - 1];
      pos--;
    }
    bestD[pos] = d;
    bestI[pos] = p;
  }

  /** Share of the neighbours that completed. */
  share(): number {
    let completed = 0;
    for (let j = 0; j < this.size; j++) completed += this.labels[this.bestI[j]];
    return completed / this.size;
  }

  vote(): 0 | 1 {
    return this.share() >= 0.5 ? 1 : 0;
  }
}

function flatten(rows: number[][], width: number): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}

function modelFileVersion(path: string): string {
  try {
    const s = fs.statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

function pause(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface PredictorServiceOptions {
  days?: number;
  /** Delay between a data change and the check whether to retrain (ms). Default 30 000. */
  checkDelayMs?: number;
  onProgress?: (progress: TrainProgress) => void;
  onTrained?: (result: TrainResult) => void;
  /** Failures other than a refusal (a refusal just waits for more data). */
  onError?: (err: Error) => void;
  /** False while nothing may be written (tracking paused): the model file is then left as it is. */
  mayWrite?: () => boolean;
  /** How to train (default: here, trainPredictor); the editor trains in a worker thread. */
  train?: (days: number) => Promise<TrainResult>;
}

/**
 * Keeps the model fresh for an editor: some time after store changes it retrains in the background
 * when there is no model yet and enough data, or when new invocations since the model amount to
 * 20 % of the samples it was trained on. One training at a time.
 */
export class PredictorService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TrainResult | undefined> | undefined;
  private refusedAtCount: number | undefined;
  private subscription: { dispose(): void } | undefined;

  constructor(private readonly store: Store, private readonly options: PredictorServiceOptions = {}) {}

  /** Starts watching the store; dispose() stops. */
  start(): this {
    this.subscription ??= this.store.onDidChange(() => this.schedule());
    this.schedule();
    return this;
  }

  get training(): boolean {
    return this.running !== undefined;
  }

  /** Retrains now if the rule says so; resolves with the result, or undefined when not needed. */
  maybeRetrain(): Promise<TrainResult | undefined> {
    this.running ??= this.retrainIfDue().finally(() => (this.running = undefined));
    return this.running;
  }

  predict(skill: string, context: PredictionContext = {}): SkillPrediction {
    return predictSkillSuccess(this.store, skill, context);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.subscription?.dispose();
    this.subscription = undefined;
  }

  /** At most one pending check: a steady stream of changes must not postpone it forever. */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.maybeRetrain();
    }, this.options.checkDelayMs ?? 30_000);
    this.timer.unref();
  }

  private async retrainIfDue(): Promise<TrainResult | undefined> {
    const days = this.options.days ?? 30;
    try {
      if (this.options.mayWrite?.() === false || !this.due(days)) return undefined;
      const result = this.options.train ? await this.options.train(days) : await trainPredictor(this.store, { days, onProgress: this.options.onProgress });
      this.refusedAtCount = undefined;
      this.options.onTrained?.(result);
      return result;
    } catch (err) {
      if (err instanceof PredictorRefusal) {
        this.refusedAtCount = countSince(this.store, new Date(Date.now() - days * 86_400_000).toISOString(), true);
        return undefined;
      }
      this.options.onError?.(err as Error);
      return undefined;
    }
  }

  private due(days: number): boolean {
    let info: ReturnType<typeof getPredictorInfo>;
    try {
      info = getPredictorInfo(this.store);
    } catch (err) {
      if (err instanceof PredictorNotTrainedError) info = undefined;
      else throw err;
    }
    if (info) return countSince(this.store, info.newest_sample_at, false) >= RETRAIN_GROWTH * info.samples;
    const available = countSince(this.store, new Date(Date.now() - days * 86_400_000).toISOString(), true);
    if (available < MIN_TRAINING_SAMPLES) return false;
    return this.refusedAtCount === undefined || available >= this.refusedAtCount * (1 + RETRAIN_GROWTH);
  }
}

function countSince(store: Store, bound: string, inclusive: boolean): number {
  const sql = inclusive ? 'SELECT COUNT(*) AS n FROM skill_invocation WHERE invoked_at >= ?' : 'SELECT COUNT(*) AS n FROM skill_invocation WHERE invoked_at > ?';
  return one<{ n: number }>(store.db, sql, [bound])!.n;
}
