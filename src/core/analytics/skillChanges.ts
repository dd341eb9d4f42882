/**
 * Each skill's regression history: when its runs got slower, started failing more often, or were
 * run less, by how much, and whether it is still so. Anomaly detection (anomalies.ts) asks "is the
 * last hour unusual"; this asks "when did it change", with the change-point detector of
 * changePoints.ts on three series per skill:
 *
 * - duration: the log of each completed run's duration, in run order (failing runs often stop
 *   early, so they would read as speed-ups); level = median seconds;
 * - failure_rate: each run failed (1) or completed (0); level = failed runs / runs, 0..1;
 * - runs: runs per UTC day from the skill's first day to yesterday (today is not over), on the
 *   days this store recorded any run at all; a day without any run is missing, not a zero (the
 *   developer was away), so weekends and holidays are no drop in use. Counts, so Poisson segments
 *   (weighted for overdispersion): a Gaussian cost took stretches of zeros of a rarely run skill
 *   for changes of use in a third of steady series. Level = runs per active day.
 *
 * Segment 0 of a metric has no change; each later segment begins with one: its level against the
 * previous segment's ("1.6× slower", "failure rate 4% → 31%"), the run (or day) and time where it
 * began, and whether it is the latest segment, still going on (open). Slower and failing more
 * often are regressions; fewer or more runs are changes of use.
 *
 * Stored in skill_changes (V10) through store.commit, recomputed for a skill when it has new runs
 * or a new day has begun, at most hourly (MAX_AGE_HOURS).
 */
import { median } from 'simple-statistics';
import type { StoreEvent } from '../store/events';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { MIN_DURATION_SECONDS } from '../measures';
import { hoursAgo, type Timestamp } from '../time';
import { formatDuration, formatPercent } from '../../shared/words';
import { SkillRuns, type SkillRun, type SkillRunsState } from './skillRuns';
import { ChangePointDetector, detectChangePoints, type ChangePointModel, type DetectorState, type SeriesValue } from './changePoints';

export const SKILL_CHANGE_METRICS = ['duration', 'failure_rate', 'runs'] as const;
export type SkillChangeMetric = (typeof SKILL_CHANGE_METRICS)[number];
export type ChangeDirection = 'slower' | 'faster' | 'more_failures' | 'fewer_failures' | 'more_runs' | 'fewer_runs';

/** One segment of one metric of a skill, as stored in skill_changes. */
export interface SkillSegment {
  skill_name: string;
  metric: SkillChangeMetric;
  /** 0 = the oldest. */
  segment: number;
  /** Its first run (duration, failure_rate) or the start of its first day (runs). */
  started_at: Timestamp;
  /** Its last run, or the end of its last day. */
  ended_at: Timestamp;
  /** The invocation that began it, and its 1-based position among the skill's runs kept. */
  start_run_id: number | null;
  start_run_number: number | null;
  /** Runs (duration: completed runs with a duration) or active days. */
  points: number;
  /** Median seconds, failure rate 0..1, or runs per active day. */
  level: number | null;
  previous_level: number | null;
  /** level / previous_level for duration and runs. */
  ratio: number | null;
  direction: ChangeDirection | null;
  regression: boolean;
  /** The latest segment: still going on. */
  open: boolean;
  /** The newest run the history covers. */
  through_at: Timestamp;
  computed_at: Timestamp;
}

/** A segment after the first: a change, said in words. */
export interface SkillChange extends SkillSegment {
  change: string;
}

/** A stored history this recent is current (as the agent tools' derived tables, tools/freshness.ts). */
const MAX_AGE_HOURS = 1;
const DAY_MS = 86_400_000;

/** A metric's series and how to read a stretch of it back as a segment. */
interface MetricSeries {
  metric: SkillChangeMetric;
  model: ChangePointModel;
  values: SeriesValue[];
  /** The segment [start, end) of the series, without its change fields. */
  span(start: number, end: number): Omit<SkillSegment, 'skill_name' | 'metric' | 'segment' | 'previous_level' | 'ratio' | 'direction' | 'regression' | 'open' | 'through_at' | 'computed_at'>;
}

/** A skill's runs and its two per-run series' fitted detectors: what the tracker carries on from. */
export interface SkillHistoryState {
  skill: string;
  runs: SkillRunsState;
  duration: DetectorState | null;
  failure_rate: DetectorState | null;
}

/** The per-run detectors of a skill (null: the series has no value yet). */
export interface PerRunDetectors {
  duration: ChangePointDetector | null;
  failure_rate: ChangePointDetector | null;
}

/** The skill's runs in time order, all of them or those after `after`. */
export function readSkillRuns(store: Pick<Store, 'db'>, skill: string, after = ''): SkillRun[] {
  return all<SkillRun>(store.db, 'SELECT id, invoked_at, completed, duration_seconds FROM skill_invocation WHERE skill_name = ? AND invoked_at > ? ORDER BY invoked_at, id', [skill, after]);
}

/** The skill's history computed from its runs now (writes nothing), and the fitted state to carry on from (made when asked). */
export function fitSkillHistory(store: Pick<Store, 'db'>, skill: string, now: Date = new Date()): { segments: SkillSegment[]; state(): SkillHistoryState | null } {
  const runs = SkillRuns.of(readSkillRuns(store, skill));
  if (runs.length === 0) return { segments: [], state: () => null };
  const series = perRunSeries(runs);
  const detectors: PerRunDetectors = { duration: fitted(series.duration), failure_rate: fitted(series.failure_rate) };
  const segments = [...perRunHistory(skill, runs, detectors, now), ...runsPerDayHistory(store, skill, runs, now)];
  return { segments, state: () => ({ skill, runs: runs.state(), duration: detectors.duration?.state() ?? null, failure_rate: detectors.failure_rate?.state() ?? null }) };
}

function fitted(series: MetricSeries): ChangePointDetector | null {
  return series.values.some((v) => v !== null) ? ChangePointDetector.fit([series.values], series.model) : null;
}

/** The duration and failure-rate segments from the runs and their detectors' change points. */
export function perRunHistory(skill: string, runs: SkillRuns, detectors: PerRunDetectors, now: Date): SkillSegment[] {
  const context = contextOf(skill, runs, now);
  const series = perRunSeries(runs);
  return [
    ...segmentsOf(series.duration, detectors.duration?.changePoints() ?? [], context),
    ...segmentsOf(series.failure_rate, detectors.failure_rate?.changePoints() ?? [], context),
  ];
}

/** The runs-per-day segments, fitted afresh: one point a day, and it changes only when a day ends. */
export function runsPerDayHistory(store: Pick<Store, 'db'>, skill: string, runs: SkillRuns, now: Date): SkillSegment[] {
  const series = runsSeries(store, skill, runs, now);
  const changePoints = series.values.some((v) => v !== null) ? detectChangePoints([series.values], series.model).change_points : [];
  return segmentsOf(series, changePoints, contextOf(skill, runs, now));
}

interface HistoryContext {
  skill: string;
  through: Timestamp;
  computedAt: Timestamp;
}

function contextOf(skill: string, runs: SkillRuns, now: Date): HistoryContext {
  return { skill, through: runs.lastInvokedAt, computedAt: now.toISOString() };
}

function perRunSeries(runs: SkillRuns): { duration: MetricSeries; failure_rate: MetricSeries } {
  return { duration: durationSeries(runs), failure_rate: outcomeSeries(runs) };
}

function segmentsOf(series: MetricSeries, changePoints: number[], context: HistoryContext): SkillSegment[] {
  if (!series.values.some((v) => v !== null)) return [];
  const bounds = [0, ...changePoints, series.values.length];
  const segments: SkillSegment[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const span = series.span(bounds[i], bounds[i + 1]);
    const previous = segments.length ? segments[segments.length - 1].level : null;
    segments.push({
      skill_name: context.skill,
      metric: series.metric,
      segment: i,
      ...span,
      previous_level: previous,
      ...changeOf(series.metric, previous, span.level, i > 0),
      open: i + 2 === bounds.length,
      through_at: context.through,
      computed_at: context.computedAt,
    });
  }
  return segments;
}

function changeOf(metric: SkillChangeMetric, previous: number | null, level: number | null, isChange: boolean): Pick<SkillSegment, 'ratio' | 'direction' | 'regression'> {
  if (!isChange || previous === null || level === null) return { ratio: null, direction: null, regression: false };
  const up = level > previous;
  const ratio = metric !== 'failure_rate' && previous > 0 ? level / previous : null;
  if (metric === 'duration') return { ratio, direction: up ? 'slower' : 'faster', regression: up };
  if (metric === 'failure_rate') return { ratio, direction: up ? 'more_failures' : 'fewer_failures', regression: up };
  return { ratio, direction: up ? 'more_runs' : 'fewer_runs', regression: false };
}

/** A run's point in the duration series: the log of a completed run's seconds (null for the others). */
export function durationPoint(completed: number, seconds: number | null): number | null {
  return completed === 1 && seconds !== null ? Math.log(Math.max(seconds, MIN_DURATION_SECONDS)) : null;
}

/** A run's point in the failure series: 1 failed, 0 completed. */
export function failurePoint(completed: number): number {
  return completed === 1 ? 0 : 1;
}

function durationSeries(runs: SkillRuns): MetricSeries {
  // The index among the skill's runs of each point of the series.
  const timed: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < runs.length; i++) {
    const point = durationPoint(runs.completed(i), runs.duration(i));
    if (point === null) continue;
    timed.push(i);
    values.push(point);
  }
  return {
    metric: 'duration',
    model: 'gaussian',
    values,
    span: (start, end) => ({
      ...runSpan(runs, timed[start], timed[end - 1], end - start),
      level: median(timed.slice(start, end).map((i) => runs.duration(i) as number)),
    }),
  };
}

function outcomeSeries(runs: SkillRuns): MetricSeries {
  const values: number[] = [];
  for (let i = 0; i < runs.length; i++) values.push(failurePoint(runs.completed(i)));
  return {
    metric: 'failure_rate',
    model: 'bernoulli',
    values,
    span: (start, end) => {
      let failed = 0;
      for (let i = start; i < end; i++) failed += failurePoint(runs.completed(i));
      return { ...runSpan(runs, start, end - 1, end - start), level: failed / (end - start) };
    },
  };
}

/** The span's fields from its first and last run (indices among the skill's runs). */
function runSpan(runs: SkillRuns, first: number, last: number, points: number) {
  return { started_at: runs.invokedAt(first), ended_at: runs.invokedAt(last), start_run_id: runs.id(first), start_run_number: first + 1, points };
}

/**
 * Runs per UTC day on the days the store recorded any run, from the skill's first day to yesterday.
 * Daily counts come from the hourly series (skill_time_series), kept with every run.
 */
function runsSeries(store: Pick<Store, 'db'>, skill: string, runs: SkillRuns, now: Date): MetricSeries {
  const firstDay = Date.parse(runs.invokedAt(0).slice(0, 10));
  const today = Date.parse(now.toISOString().slice(0, 10));
  const days = Math.max(0, Math.round((today - firstDay) / DAY_MS));
  const dayAt = (i: number) => new Date(firstDay + i * DAY_MS).toISOString();
  const counts = dailyCounts(store, `skill_name = ? AND timestamp >= ? AND timestamp < ?`, [skill, dayAt(0), dayAt(days)]);
  const active = dailyCounts(store, `timestamp >= ? AND timestamp < ?`, [dayAt(0), dayAt(days)]);
  const values: SeriesValue[] = Array.from({ length: days }, (_, i) => {
    const day = dayAt(i).slice(0, 10);
    return active.has(day) ? counts.get(day) ?? 0 : null;
  });
  return {
    metric: 'runs',
    model: 'poisson',
    values,
    span: (start, end) => {
      let total = 0;
      let activeDays = 0;
      for (let i = start; i < end; i++) {
        if (values[i] === null) continue;
        total += values[i] as number;
        activeDays++;
      }
      const first = firstRunFrom(runs, dayAt(start));
      return {
        started_at: dayAt(start),
        ended_at: dayAt(end),
        start_run_id: first === undefined ? null : runs.id(first),
        start_run_number: first === undefined ? null : first + 1,
        points: activeDays,
        level: activeDays ? total / activeDays : null,
      };
    },
  };
}

/** Runs per UTC day (YYYY-MM-DD) of the hourly buckets matching `where`. */
function dailyCounts(store: Pick<Store, 'db'>, where: string, params: string[]): Map<string, number> {
  const rows = all<{ day: string; n: number }>(
    store.db,
    `SELECT substr(timestamp, 1, 10) AS day, SUM(invocation_count) AS n FROM skill_time_series WHERE ${where} GROUP BY day HAVING n > 0`,
    params,
  );
  return new Map(rows.map((r) => [r.day, r.n]));
}

/** The index of the first run at or after `at` (runs are in time order). */
function firstRunFrom(runs: SkillRuns, at: Timestamp): number | undefined {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs.invokedAt(mid) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo < runs.length ? lo : undefined;
}

/**
 * The change in words: "1.6× slower (12 s → 19 s)", "failure rate 4% → 31%", "runs per day 12.0 → 3.5".
 * Percents and durations as every other view says them (shared/words.ts).
 */
export function describeChange(s: Pick<SkillSegment, 'metric' | 'level' | 'previous_level' | 'ratio' | 'direction'>): string {
  const from = s.previous_level;
  const to = s.level;
  if (from === null || to === null) return 'no change';
  if (s.metric === 'failure_rate') return `failure rate ${formatPercent(from)} → ${formatPercent(to)}`;
  if (s.metric === 'runs') return `runs per day ${from.toFixed(1)} → ${to.toFixed(1)}`;
  const factor = s.ratio === null ? null : s.ratio >= 1 ? s.ratio : 1 / s.ratio;
  const size = factor === null ? '' : `${factor.toFixed(1)}× `;
  return `${size}${s.direction === 'slower' ? 'slower' : 'faster'} (${formatDuration(from)} → ${formatDuration(to)})`;
}

/** What a stored row holds: booleans as 0/1. */
type StoredSegment = Omit<SkillSegment, 'regression' | 'open'> & { regression: number; open: number };

function toRow(s: SkillSegment): StoredSegment {
  return { ...s, regression: s.regression ? 1 : 0, open: s.open ? 1 : 0 };
}

function fromRow(r: StoredSegment): SkillSegment {
  return { ...r, regression: r.regression === 1, open: r.open === 1 };
}

/** The stored history of one skill, or of every skill. */
export function storedSkillChanges(store: Pick<Store, 'db'>, skill?: string): SkillSegment[] {
  const where = skill === undefined ? '' : 'WHERE skill_name = ?';
  return all<StoredSegment>(store.db, `SELECT * FROM skill_changes ${where} ORDER BY skill_name, metric, segment`, skill === undefined ? [] : [skill]).map(fromRow);
}

/** A skill whose stored history is missing, or an hour old and either behind its runs or from an earlier day. */
function isStale(store: Pick<Store, 'db'>, skill: string, now: Date): boolean {
  const stored = one<{ through_at: string | null; computed_at: string | null }>(store.db, 'SELECT MIN(through_at) AS through_at, MIN(computed_at) AS computed_at FROM skill_changes WHERE skill_name = ?', [skill]);
  if (!stored?.computed_at || !stored.through_at) return true;
  if (stored.computed_at >= hoursAgo(MAX_AGE_HOURS, now)) return false;
  const newest = one<{ at: string | null }>(store.db, 'SELECT MAX(invoked_at) AS at FROM skill_invocation WHERE skill_name = ?', [skill])?.at ?? null;
  return (newest !== null && newest > stored.through_at) || stored.computed_at.slice(0, 10) < now.toISOString().slice(0, 10);
}

export interface RefreshOptions {
  /** Only these skills (default: every skill with runs). */
  skills?: string[];
  /** Recompute even what is fresh. */
  force?: boolean;
  /** Recompute these too, fresh or not (skills the tracker handed back for a full fit). */
  refit?: readonly string[];
  now?: Date;
  /**
   * Given each recomputed skill's fitted state as soon as it is fitted (SkillChangeTracker carries
   * on from them); without it no state is made. States are not collected: at a million runs they
   * would be some 150 MB at once.
   */
  onState?(state: SkillHistoryState): void;
}

export interface RefreshResult {
  /** Skills recomputed. */
  skills: string[];
  /** Their segments, as computed. */
  segments: SkillSegment[];
  /** The events that store them (and remove the history of skills without runs). */
  events: StoreEvent[];
  /** Open regressions the stored history did not have yet (by skill, metric and start): each is found once. */
  found: SkillChange[];
}

/** Recomputes the stale histories (writes nothing; `refreshSkillChanges` stores the result). */
export function recomputeSkillChanges(store: Pick<Store, 'db'>, options: RefreshOptions = {}): RefreshResult {
  const now = options.now ?? new Date();
  const withRuns = all<{ skill_name: string }>(store.db, 'SELECT skill_name FROM skill_metrics WHERE total_invocations > 0 ORDER BY skill_name').map((r) => r.skill_name);
  const wanted = options.skills ?? withRuns;
  const refit = new Set(options.refit);
  const skills = wanted.filter((skill) => options.force || refit.has(skill) || isStale(store, skill, now));
  const segments: SkillSegment[] = [];
  const events: StoreEvent[] = [];
  const known = knownRegressions(store);
  for (const skill of skills) {
    const { segments: history, state } = fitSkillHistory(store, skill, now);
    for (const e of historyEvents(skill, history)) events.push(e);
    for (const s of history) segments.push(s);
    const fitted = options.onState ? state() : null;
    if (fitted) options.onState?.(fitted);
  }
  if (options.skills === undefined) {
    const kept = new Set(withRuns);
    for (const { skill_name } of all<{ skill_name: string }>(store.db, 'SELECT DISTINCT skill_name FROM skill_changes')) {
      if (!kept.has(skill_name)) events.push({ t: 'delete', table: 'skill_changes', where: { skill_name } });
    }
  }
  return { skills, segments, events, found: newRegressions(segments, known, now) };
}

/** The events that replace a skill's stored history with `history`. */
export function historyEvents(skill: string, history: readonly SkillSegment[]): StoreEvent[] {
  const events: StoreEvent[] = [{ t: 'delete', table: 'skill_changes', where: { skill_name: skill } }];
  if (history.length) events.push({ t: 'upsert', table: 'skill_changes', key: ['skill_name', 'metric', 'segment'], rows: history.map(toRow) });
  return events;
}

/** The regressions stored now (by skill, metric and start), to tell the new ones. */
export function knownRegressions(store: Pick<Store, 'db'>, skill?: string): Set<string> {
  return new Set(storedSkillChanges(store, skill).filter((s) => s.regression).map(regressionKey));
}

/** The open regressions of `segments` that are not in `known`. */
export function newRegressions(segments: readonly SkillSegment[], known: Set<string>, now: Date): SkillChange[] {
  return reportSkillChanges(segments, { days: Infinity, now }).open_regressions.filter((r) => !known.has(regressionKey(r)));
}

function regressionKey(s: SkillSegment): string {
  return `${s.skill_name}\u0000${s.metric}\u0000${s.started_at}`;
}

/** Recomputes the stale histories and stores them. */
export async function refreshSkillChanges(store: Pick<Store, 'db' | 'commit'>, options: RefreshOptions = {}): Promise<RefreshResult> {
  const result = recomputeSkillChanges(store, options);
  if (result.events.length) await store.commit(result.events);
  return result;
}

/** The window a report covers unless asked otherwise. */
export const DEFAULT_DAYS = 90;

export interface ChangesQuery {
  skill?: string;
  metric?: SkillChangeMetric;
  /** Changes that began, and segments that lasted into, the last this many days. */
  days?: number;
  now?: Date;
}

export interface SkillChangeReport {
  /** Changes in the window, newest first. */
  changes: SkillChange[];
  /** Open regressions (a change that made the skill worse and still holds), newest first. */
  open_regressions: SkillChange[];
  /** Segments that lasted into the window, per skill and metric in time order. */
  segments: SkillSegment[];
}

/** Plain data for every view: the changes, the open regressions and the segments of a window. */
export function reportSkillChanges(segments: readonly SkillSegment[], query: ChangesQuery = {}): SkillChangeReport {
  const days = query.days ?? DEFAULT_DAYS;
  const since = Number.isFinite(days) ? new Date((query.now ?? new Date()).getTime() - days * DAY_MS).toISOString() : '';
  const chosen = segments.filter((s) => (query.skill === undefined || s.skill_name === query.skill) && (query.metric === undefined || s.metric === query.metric));
  const inWindow = chosen.filter((s) => s.ended_at >= since || s.open);
  const changes = inWindow
    .filter((s) => s.segment > 0 && s.started_at >= since)
    .map((s): SkillChange => ({ ...s, change: describeChange(s) }))
    .sort((a, b) => b.started_at.localeCompare(a.started_at) || a.skill_name.localeCompare(b.skill_name));
  return { changes, open_regressions: changes.filter((c) => c.open && c.regression), segments: inWindow };
}

/** The report from the stored history alone (reads only; for views that must not wait on a fit). */
export function getSkillChanges(store: Pick<Store, 'db'>, query: ChangesQuery = {}): SkillChangeReport {
  return reportSkillChanges(storedSkillChanges(store, query.skill), query);
}

/**
 * The open regressions alone, newest first, as getSkillChanges reports them over all time: read
 * from the rows that are one, not the whole history (the status bar asks on every refresh).
 */
export function getOpenRegressions(store: Pick<Store, 'db'>, now: Date = new Date()): SkillChange[] {
  const rows = all<StoredSegment>(store.db, 'SELECT * FROM skill_changes WHERE open = 1 AND regression = 1 AND segment > 0 ORDER BY skill_name, metric, segment');
  return reportSkillChanges(rows.map(fromRow), { days: Infinity, now }).open_regressions;
}

/**
 * The report for a query, with stale histories recomputed first: stored when `write` allows it,
 * otherwise only used for this answer (a paused or read-only store writes nothing).
 */
export async function skillChangeReport(store: Pick<Store, 'db' | 'commit'>, query: ChangesQuery & { write: boolean }): Promise<SkillChangeReport> {
  const skills = query.skill === undefined ? undefined : [query.skill];
  const fresh = query.write ? await refreshSkillChanges(store, { skills, now: query.now }) : recomputeSkillChanges(store, { skills, now: query.now });
  const recomputed = new Set(fresh.skills);
  const segments = storedSkillChanges(store, query.skill).filter((s) => query.write || !recomputed.has(s.skill_name));
  if (!query.write) for (const s of fresh.segments) segments.push(s);
  return reportSkillChanges(segments, query);
}
