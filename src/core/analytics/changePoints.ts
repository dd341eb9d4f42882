/**
 * Change points of a series: where its level, trend or noise changes for good. One default setting
 * serves every series (a skill's log durations, outcomes and runs per day, a benchmark timing, the
 * TCPD series of `npm run bench -- changepoints`), chosen by measurement on TCPD:
 *
 * - Costs (segmentCosts.ts): Gaussian segments that are a constant or a line with their own
 *   variance (variance prior centred on the series' scale), or Bernoulli segments for pass/fail.
 * - Penalty: MBIC (Zhang & Siegmund 2007; the default of R's changepoint), (p + 2)·log n per
 *   change, p the parameters of the segment it starts: log n per parameter, 2·log n per change.
 * - Dependence: neighbouring points of real series are correlated, so they carry less evidence than
 *   as many independent points. A first segmentation's residuals give the lag-1 autocorrelation ρ;
 *   the log-likelihood is then weighted by (1 − ρ)/(1 + ρ), the effective share of independent
 *   observations of an AR(1) series, and the series segmented again (a two-step estimate, as in
 *   feasible GLS).
 * - Outliers: a point farther from the median of its neighbourhood than a Gaussian point would be
 *   with probability 5 % over the whole series (Bonferroni) is left out, so one cold run or a spike
 *   does not become two change points; the neighbourhood spans a segment's minimum length, so a
 *   burst shorter than a segment is an outlier and a longer one a segment.
 * - Segments are at least 5 points long (the F1 margin of TCPDBench; a regression is not one run).
 *
 * Missing values (null) are left out of every cost, keeping the indices. Several dimensions of one
 * series add their costs and share the change points.
 *
 * Incremental: `ChangePointDetector.append` adds one time index at O(candidates) with the scale,
 * outlier threshold, weights and n of the last fit frozen (so a new run never reshuffles old
 * decisions); a new value joins the search once its later neighbours have come and it can be
 * judged an outlier or not as in a fit. `state()` / `restore()` carry a fitted detector across
 * threads; the caller fits anew when the series has grown enough for log n to matter
 * (skillChangeTracker.ts: at twice its fitted length).
 */
import { median } from 'simple-statistics';
import { NumberColumn } from './numberColumn';
import { ChangePointSearch, type SearchOptions, type SearchState } from './changePointSearch';
import { BernoulliSegmentCost, GaussianSegmentCost, PoissonSegmentCost, SummedSegmentCost, type SegmentFit } from './segmentCosts';
import { normalQuantile } from './statistics';

/** gaussian: any numeric series; bernoulli: 0/1 (pass/fail); poisson: counts (runs per day). */
export type ChangePointModel = 'gaussian' | 'bernoulli' | 'poisson';
export type SeriesValue = number | null;

/** Fewest points in a segment. */
export const MIN_SEGMENT = 5;
/** Chance that a series of pure Gaussian noise loses any point as an outlier. */
const OUTLIER_FAMILY_RATE = 0.05;
/** Points on each side that make a point's neighbourhood: a burst of up to this many is an outlier. */
const NEIGHBOURS = MIN_SEGMENT - 1;
/**
 * Search settings (changePointSearch.ts), not model settings: candidates within the price of three
 * changes of the best, at most 100 of them. On every TCPD series and the planted skill series of
 * changePoints.test.ts the result is the unpruned search's; a 10,000-run fit takes under a second.
 */
const PRUNE_MARGIN_CHANGES = 3;
const MAX_CANDIDATES = 100;
/** Residuals smaller than this (in units of the series' scale) are rounding, not noise. */
const ROUNDING = 1e-9;
/** The mean absolute deviation of Gaussian data times this is its standard deviation. */
const MEAN_DEVIATION_TO_SD = Math.sqrt(Math.PI / 2);

export interface ChangePointSegment {
  /** First index of the segment (inclusive). */
  start: number;
  /** One past its last index. */
  end: number;
  /** Per dimension: values present, their mean and median (null without values). */
  count: number[];
  mean: (number | null)[];
  median: (number | null)[];
}

export interface ChangePointResult {
  /** 0-based indices where a new segment begins, ascending (TCPD's convention). */
  change_points: number[];
  segments: ChangePointSegment[];
}

/** How one dimension's raw values become the cost's values: centred and scaled, outliers left out. */
interface Standardiser {
  center: number;
  scale: number;
  /** |standardised value − neighbourhood median| above this is an outlier. */
  outlierZ: number;
}

interface Dimension {
  standardiser: Standardiser | null;
  /** Every value seen, standardised (Gaussian) or as given (Bernoulli): what outliers are judged against (NaN: null). */
  raw: NumberColumn<Float64Array>;
  /** The values the costs see: `raw` with outliers as null, as far as they have been judged (NaN: null). */
  values: NumberColumn<Float64Array>;
  weight: number;
  cost: GaussianSegmentCost | BernoulliSegmentCost | PoissonSegmentCost;
}

/** Change points of one series (each array one dimension, all the same length). */
export function detectChangePoints(dimensions: readonly (readonly SeriesValue[])[], model: ChangePointModel = 'gaussian'): ChangePointResult {
  const detector = ChangePointDetector.fit(dimensions, model);
  const change_points = detector.changePoints();
  return { change_points, segments: describeSegments(dimensions, change_points) };
}

/** A fitted detector as plain data (structured-cloneable), to carry on with elsewhere. */
export interface DetectorState {
  model: ChangePointModel;
  fittedLength: number;
  pruning: Pruning;
  /** 1 where any dimension has a value. */
  present: Uint8Array;
  /** Missing values as NaN. */
  dims: { standardiser: Standardiser | null; weight: number; raw: Float64Array; values: Float64Array }[];
  search: SearchState;
}

/** A fitted detector that takes new points one at a time. */
export class ChangePointDetector {
  private constructor(
    private readonly model: ChangePointModel,
    private readonly dims: Dimension[],
    private readonly search: ChangePointSearch,
    /** The n whose log sets the penalties (the length at the last fit). */
    readonly fittedLength: number,
    /** 1 where any dimension has a value. */
    private readonly present: NumberColumn<Uint8Array>,
    private readonly pruning: Pruning,
  ) {}

  /** Carries on from a state: the costs are rebuilt from its values (O(n)), the search is not repeated. */
  static restore(state: DetectorState): ChangePointDetector {
    const columns = state.dims.map((d) => ({ ...d, raw: new NumberColumn(Float64Array, d.raw), values: new NumberColumn(Float64Array, d.values) }));
    const dims = buildCosts(columns, state.model, state.fittedLength);
    const search = new ChangePointSearch(totalCost(dims), searchOptions(state.fittedLength, state.pruning), state.search);
    return new ChangePointDetector(state.model, dims, search, state.fittedLength, new NumberColumn(Uint8Array, state.present), state.pruning);
  }

  state(): DetectorState {
    return {
      model: this.model,
      fittedLength: this.fittedLength,
      pruning: this.pruning,
      present: this.present.values(),
      dims: this.dims.map((d) => ({ standardiser: d.standardiser, weight: d.weight, raw: d.raw.values(), values: d.values.values() })),
      search: this.search.state(),
    };
  }

  /** `pruning` replaces the search settings (the tests compare with the unpruned search). */
  static fit(dimensions: readonly (readonly SeriesValue[])[], model: ChangePointModel = 'gaussian', pruning: Partial<Pruning> = {}): ChangePointDetector {
    checkShape(dimensions, model);
    const n = dimensions[0].length;
    const settings: Pruning = { pruneMargin: pruning.pruneMargin, maxCandidates: pruning.maxCandidates ?? MAX_CANDIDATES };
    const prepared = dimensions.map((raw) => prepare(raw, model));
    const first = segmentation(prepared.map((p) => ({ ...p, weight: 1 })), model, n, settings);
    const weighted = prepared.map((p, d) => ({ ...p, weight: effectiveWeight(p.values, first.fits(d), model) }));
    const final = segmentation(weighted, model, n, settings);
    const present = new NumberColumn(Uint8Array, Array.from({ length: n }, (_, t) => (dimensions.some((dim) => dim[t] !== null) ? 1 : 0)));
    return new ChangePointDetector(model, final.dims, final.search, n, present, settings);
  }

  /** Indices seen (fitted and appended). */
  get length(): number {
    return this.present.length;
  }

  /**
   * One new time index: a value (or null) per dimension. A Gaussian value is judged an outlier or
   * not once its later neighbours have come too, as in a fit, so the search is that many behind.
   */
  append(values: readonly SeriesValue[]): void {
    if (values.length !== this.dims.length) throw new RangeError(`expected ${this.dims.length} value(s), got ${values.length}`);
    const admitted = values.map((v) => admit(v, this.model));
    this.present.push(admitted.some((v) => v !== null) ? 1 : 0);
    this.dims.forEach((dim, d) => dim.raw.push(stored(standardise(dim.standardiser, admitted[d]))));
    const lag = this.model === 'gaussian' ? NEIGHBOURS : 0;
    while (this.dims[0].values.length < this.present.length - lag) {
      for (const dim of this.dims) {
        const judged = judge(dim, dim.values.length);
        dim.values.push(stored(judged));
        dim.cost.push(judged);
      }
    }
    this.search.extend();
  }

  /**
   * Where each new segment begins. A change inside a run of missing values could start anywhere in
   * it at the same cost; it is reported at the first index that has a value, the first observation
   * of the new segment.
   */
  changePoints(): number[] {
    return this.search.changePoints().map((t) => {
      while (t < this.present.length - 1 && !this.present.at(t)) t++;
      return t;
    });
  }
}

function checkShape(dimensions: readonly (readonly SeriesValue[])[], model: ChangePointModel): void {
  if (dimensions.length === 0) throw new RangeError('a series needs at least one dimension');
  const n = dimensions[0].length;
  for (const dim of dimensions) {
    if (dim.length !== n) throw new RangeError(`every dimension needs the same length (${n}), one has ${dim.length}`);
    for (const v of dim) admit(v, model);
  }
}

function admit(value: SeriesValue, model: ChangePointModel): SeriesValue {
  if (value === null) return null;
  if (!Number.isFinite(value)) throw new RangeError(`values must be finite numbers or null, not ${value}`);
  if (model === 'bernoulli' && value !== 0 && value !== 1) throw new RangeError(`pass/fail values must be 0 or 1, not ${value}`);
  if (model === 'poisson' && value < 0) throw new RangeError(`counts must be 0 or more, not ${value}`);
  return value;
}

function prepare(given: readonly SeriesValue[], model: ChangePointModel): Pick<Dimension, 'standardiser' | 'raw' | 'values'> {
  const standardiser = model === 'gaussian' ? standardiserOf(given) : null;
  const raw = new NumberColumn(Float64Array, given.map((v) => stored(standardise(standardiser, v))));
  const values = new NumberColumn(Float64Array);
  for (let t = 0; t < raw.length; t++) values.push(stored(judge({ standardiser, raw }, t)));
  return { standardiser, raw, values };
}

function standardise(standardiser: Standardiser | null, value: SeriesValue): SeriesValue {
  return value === null || standardiser === null ? value : (value - standardiser.center) / standardiser.scale;
}

/**
 * The series' scale: the spread of its residuals around one least-squares line (mean absolute
 * deviation, as a standard deviation). It centres the variance prior and measures outliers. Unlike
 * the median absolute deviation it stays above zero when most values repeat (whole seconds).
 */
function standardiserOf(raw: readonly SeriesValue[]): Standardiser {
  const points: [number, number][] = [];
  raw.forEach((v, t) => {
    if (v !== null) points.push([t, v]);
  });
  const present = points.length;
  const outlierZ = present > 0 ? normalQuantile(1 - OUTLIER_FAMILY_RATE / (2 * present)) : Infinity;
  if (present < 2) return { center: present ? points[0][1] : 0, scale: 1, outlierZ };
  const { intercept, slope } = leastSquaresLine(points);
  const residuals = points.map(([t, v]) => v - intercept - slope * t);
  const mid = median(residuals);
  let deviation = 0;
  for (const r of residuals) deviation += Math.abs(r - mid);
  const scale = (MEAN_DEVIATION_TO_SD * deviation) / present;
  // An exact line has no noise to measure: any positive scale gives it no change points.
  return { center: median(points.map(([, v]) => v)), scale: scale > 0 ? scale : 1, outlierZ };
}

function leastSquaresLine(points: readonly [number, number][]): { intercept: number; slope: number } {
  let st = 0;
  let sy = 0;
  for (const [t, v] of points) {
    st += t;
    sy += v;
  }
  const tMean = st / points.length;
  const yMean = sy / points.length;
  let stt = 0;
  let sty = 0;
  for (const [t, v] of points) {
    stt += (t - tMean) ** 2;
    sty += (t - tMean) * (v - yMean);
  }
  const slope = stt > 0 ? sty / stt : 0;
  return { intercept: yMean - slope * tMean, slope };
}

/**
 * raw[t], or null when it is an outlier: farther than the threshold (standardised units) from the
 * median of itself and up to NEIGHBOURS present values on each side, among those seen so far.
 */
function judge(dim: Pick<Dimension, 'standardiser' | 'raw'>, t: number): SeriesValue {
  const value = nullable(dim.raw.at(t));
  if (value === null || dim.standardiser === null) return value;
  const window: number[] = [value];
  for (let i = t - 1, found = 0; i >= 0 && found < NEIGHBOURS; i--) found += pushPresent(window, dim.raw.at(i));
  for (let i = t + 1, found = 0; i < dim.raw.length && found < NEIGHBOURS; i++) found += pushPresent(window, dim.raw.at(i));
  return Math.abs(value - median(window)) > dim.standardiser.outlierZ ? null : value;
}

/** A stored value (NaN: missing) as a series value. */
function nullable(value: number): SeriesValue {
  return Number.isNaN(value) ? null : value;
}

/** A series value as stored in a column: admitted values are finite, so NaN is free to mean missing. */
function stored(value: SeriesValue): number {
  return value ?? Number.NaN;
}

function pushPresent(window: number[], value: number): number {
  if (Number.isNaN(value)) return 0;
  window.push(value);
  return 1;
}

/** The search settings; an undefined margin is PRUNE_MARGIN_CHANGES changes' price. */
type Pruning = { pruneMargin: number | undefined } & Pick<SearchOptions, 'maxCandidates'>;

/** log n: what one parameter costs in a series of n points (BIC). */
const parameterPenaltyOf = (n: number) => Math.log(Math.max(n, 2));

function buildCosts(dims: readonly Omit<Dimension, 'cost'>[], model: ChangePointModel, n: number): Dimension[] {
  const parameterPenalty = parameterPenaltyOf(n);
  return dims.map((d) => {
    const options = { weight: d.weight, parameterPenalty };
    const cost = model === 'bernoulli' ? new BernoulliSegmentCost(options) : model === 'poisson' ? new PoissonSegmentCost(options) : new GaussianSegmentCost(options);
    for (let t = 0; t < d.values.length; t++) cost.push(nullable(d.values.at(t)));
    return { ...d, cost };
  });
}

function totalCost(dims: Dimension[]) {
  return dims.length === 1 ? dims[0].cost : new SummedSegmentCost(dims.map((d) => d.cost));
}

/** MBIC's 2·log n per change, and the search settings. */
function searchOptions(n: number, pruning: Pruning): SearchOptions {
  const changePenalty = 2 * parameterPenaltyOf(n);
  const pruneMargin = pruning.pruneMargin ?? PRUNE_MARGIN_CHANGES * changePenalty;
  return { changePenalty, minSegment: MIN_SEGMENT, pruneMargin, maxCandidates: pruning.maxCandidates };
}

function segmentation(dims: Omit<Dimension, 'cost'>[], model: ChangePointModel, n: number, pruning: Pruning) {
  const built = buildCosts(dims, model, n);
  const search = new ChangePointSearch(totalCost(built), searchOptions(n, pruning));
  search.extend();
  const bounds = [0, ...search.changePoints(), n];
  return {
    dims: built,
    search,
    /** The fitted shape of every segment of dimension d. */
    fits: (d: number): { start: number; end: number; fit: SegmentFit }[] =>
      bounds.slice(1).map((end, i) => ({ start: bounds[i], end, fit: built[d].cost.fit(bounds[i], end) })),
  };
}

/**
 * (1 − ρ)/(1 + ρ) for the lag-1 autocorrelation ρ of the residuals within segments (pairs of
 * consecutive present values), and never below one observation's worth of the series. Counts
 * (Poisson) use Pearson residuals, and are weighted down by their overdispersion φ as well
 * (quasi-Poisson: the variance of real daily counts exceeds their mean).
 */
function effectiveWeight(values: NumberColumn<Float64Array>, segments: { start: number; end: number; fit: SegmentFit }[], model: ChangePointModel): number {
  let lagged = 0;
  let squares = 0;
  let present = 0;
  for (const { start, end, fit } of segments) {
    let previous: number | null = null;
    for (let t = start; t < end; t++) {
      const v = values.at(t);
      if (Number.isNaN(v)) continue;
      const r = residual(v, fit, t, model);
      squares += r * r;
      present++;
      if (previous !== null) lagged += r * previous;
      previous = r;
    }
  }
  if (squares === 0 || present === 0) return 1;
  const rho = lagged / squares;
  const dependence = rho > 0 ? (1 - rho) / (1 + rho) : 1;
  const dispersion = model === 'poisson' ? Math.max(squares / Math.max(present - segments.length, 1), 1) : 1;
  return Math.max(dependence / dispersion, 1 / present);
}

function residual(value: number, fit: SegmentFit, t: number, model: ChangePointModel): number {
  const expected = fit.intercept + fit.slope * t;
  const raw = model === 'poisson' ? (expected > 0 ? (value - expected) / Math.sqrt(expected) : 0) : value - expected;
  // A constant stretch fits with residuals of rounding size, all alike: no evidence of dependence.
  return Math.abs(raw) < ROUNDING ? 0 : raw;
}

function describeSegments(dimensions: readonly (readonly SeriesValue[])[], changePoints: readonly number[]): ChangePointSegment[] {
  const n = dimensions[0].length;
  const bounds = [0, ...changePoints, n];
  const segments: ChangePointSegment[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [start, end] = [bounds[i], bounds[i + 1]];
    const segment: ChangePointSegment = { start, end, count: [], mean: [], median: [] };
    for (const dim of dimensions) {
      const present = dim.slice(start, end).filter((v): v is number => v !== null);
      let sum = 0;
      for (const v of present) sum += v;
      segment.count.push(present.length);
      segment.mean.push(present.length ? sum / present.length : null);
      segment.median.push(present.length ? median(present) : null);
    }
    segments.push(segment);
  }
  return segments;
}
