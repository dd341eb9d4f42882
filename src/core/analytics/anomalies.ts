/**
 * Anomaly detection: each skill's recent window (default: the last hour) is compared with its
 * baseline (the rest of the last 24 hours).
 *
 * - Completion rate: the recent count of completed runs against the count the baseline predicts,
 *   with the recent window's sampling error and the baseline's own uncertainty (statistics.ts,
 *   predictiveCountZ). The anchor divided by the per-invocation standard deviation of the baseline,
 *   so an 80 % → 0 % collapse scored −1.9 and a 100 % baseline could never alarm.
 * - Duration: the median of the recent log durations against the baseline's median and MAD
 *   (robustShiftZ), so a few slow outliers in the baseline do not hide a real slowdown.
 *
 * Types, chosen so that the type of a stored row tells which metric it is about (skill_anomalies
 * has no metric column): 'drop' = completion rate fell; 'spike' = duration rose; 'pattern_shift'
 * = an unusual change in the other direction (completion rate rose, or runs got much shorter, e.g.
 * tests that no longer run).
 *
 * Detected anomalies are stored in skill_anomalies once per episode (a second detection while one
 * is open for the same skill and metric adds nothing), mirrored in skill_metrics_cache
 * (is_anomalous, anomaly_score) and resolved (resolved_at) when the skill's data is normal again.
 */
import type { SqlValue } from '../store/sqlDatabase';
import { median } from 'simple-statistics';
import type { StoreEvent } from '../store/events';
import { all, prepared } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { hoursAgo, type Timestamp } from '../time';
import { ValidationError, positiveInteger } from '../validation';
import { positiveNumber, referenceTime } from './monitoringOptions';
import { MAX_ABS_Z, predictiveCountZ, robustShiftZ } from './statistics';
import { MIN_DURATION_SECONDS } from '../measures';

export type AnomalyType = 'drop' | 'spike' | 'pattern_shift';
export type AnomalyMetric = 'completion_rate' | 'duration';

export interface Anomaly {
  skill_name: string;
  anomaly_type: AnomalyType;
  metric: AnomalyMetric;
  /** completion_rate: 0..1; duration: median seconds. */
  baseline_value: number;
  observed_value: number;
  /** Signed z-score (negative: the value fell). */
  deviation_score: number;
  /** When the open episode was first detected. */
  detected_at: Timestamp;
}

/** A row of skill_anomalies, with the metric its type stands for. */
export interface StoredAnomaly {
  id: number;
  skill_name: string;
  detected_at: Timestamp;
  anomaly_type: string;
  baseline_value: number | null;
  observed_value: number | null;
  deviation_score: number | null;
  resolved_at: Timestamp | null;
  metric: AnomalyMetric;
}

export interface DetectOptions {
  /** |z| at or above which a deviation is an anomaly. */
  threshold?: number;
  /** Baseline plus recent window, in hours. */
  windowHours?: number;
  recentHours?: number;
  now?: Date;
  /** Store new anomalies and resolve cleared ones (default); false only reports them, writing nothing. */
  record?: boolean;
}

/** Fewer samples than this in either window say nothing reliable about a skill. */
export const MIN_BASELINE_SAMPLES = 10;
export const MIN_RECENT_SAMPLES = 3;
/**
 * Smallest spread assumed for log durations (about ±10 %): a baseline of identical durations would
 * otherwise make any wobble infinitely significant.
 */
const MIN_LOG_DURATION_SCALE = 0.1;

interface SkillWindow {
  baselineTrials: number;
  baselineSuccesses: number;
  recentTrials: number;
  recentSuccesses: number;
  baselineDurations: number[];
  recentDurations: number[];
}

interface Finding {
  skill_name: string;
  metric: AnomalyMetric;
  score: number;
  baseline_value: number;
  observed_value: number;
}

export async function detectAnomalies(store: Store, options: DetectOptions = {}): Promise<Anomaly[]> {
  const threshold = positiveNumber('threshold', options.threshold, 2, MAX_ABS_Z);
  const windowHours = positiveNumber('windowHours', options.windowHours, 24, 24 * 366);
  const recentHours = positiveNumber('recentHours', options.recentHours, 1, 24 * 366);
  if (recentHours >= windowHours) throw new ValidationError('recentHours', `must be less than windowHours (${windowHours})`);
  const now = referenceTime(options.now);
  const detectedAt = now.toISOString();

  const findings = new Map<string, Finding>();
  for (const [skill, window] of await readWindows(store, now, windowHours, recentHours)) {
    for (const finding of evaluate(skill, window)) findings.set(keyOf(skill, finding.metric), finding);
  }
  const open = new Map<string, StoredAnomaly[]>();
  for (const row of openRows(store)) {
    const key = keyOf(row.skill_name, row.metric);
    open.set(key, [...(open.get(key) ?? []), row]);
  }

  const anomalies: Anomaly[] = [];
  const inserts: Record<string, SqlValue>[] = [];
  const resolves: Record<string, SqlValue>[] = [];
  const stillOpen = new Set<StoredAnomaly>();
  for (const [key, f] of findings) {
    if (Math.abs(f.score) < threshold) continue;
    const type = anomalyType(f.metric, f.score);
    const episode = open.get(key)?.find((row) => row.anomaly_type === type);
    if (episode) stillOpen.add(episode);
    else if (options.record !== false) inserts.push({ id: await store.nextId(), ...storedRow(f, type, detectedAt) });
    anomalies.push({
      skill_name: f.skill_name,
      anomaly_type: type,
      metric: f.metric,
      baseline_value: f.baseline_value,
      observed_value: f.observed_value,
      deviation_score: f.score,
      detected_at: episode?.detected_at ?? detectedAt,
    });
  }
  const expiredBefore = hoursAgo(windowHours, now);
  for (const [key, rows] of open) {
    for (const row of rows) {
      if (stillOpen.has(row)) continue;
      // Without enough recent data the episode cannot be judged; it ages out with the baseline window.
      if (!findings.has(key) && row.detected_at >= expiredBefore) {
        stillOpen.add(row);
        continue;
      }
      resolves.push({ ...withoutMetric(row), resolved_at: detectedAt });
    }
  }

  const events: StoreEvent[] = [];
  if (inserts.length > 0) events.push({ t: 'upsert', table: 'skill_anomalies', key: ['id'], rows: inserts });
  if (resolves.length > 0) events.push({ t: 'upsert', table: 'skill_anomalies', key: ['id'], rows: resolves });
  const cacheRows = cacheChanges(store, anomalies, [...stillOpen], detectedAt);
  if (cacheRows.length > 0) events.push({ t: 'upsert', table: 'skill_metrics_cache', key: ['skill_name'], rows: cacheRows });
  if (events.length > 0 && options.record !== false) await store.commit(events);
  return anomalies.sort((a, b) => Math.abs(b.deviation_score) - Math.abs(a.deviation_score) || a.skill_name.localeCompare(b.skill_name));
}

/** Anomalies not resolved yet, newest first. */
export function getOpenAnomalies(store: Store, options: { limit?: number } = {}): StoredAnomaly[] {
  const limit = positiveInteger('limit', options.limit, 10, 1000);
  return openRows(store).slice(0, limit);
}

function openRows(store: Store): StoredAnomaly[] {
  return all<Omit<StoredAnomaly, 'metric'>>(
    store.db,
    `SELECT id, skill_name, detected_at, anomaly_type, baseline_value, observed_value, deviation_score, resolved_at
     FROM skill_anomalies WHERE resolved_at IS NULL ORDER BY detected_at DESC, id DESC`,
  ).map((row) => ({ ...row, metric: metricOf(row) }));
}

/**
 * One pass over the window's rows, split per skill. CROSS JOIN keeps skill_metrics as the outer
 * loop, so each skill's window is one range of the (skill_name, invoked_at) index.
 */
/**
 * Each skill's window, one skill at a time with a turn of the event loop between them: at 1M
 * invocations the whole day was 17k rows stepped in JS, 55 ms of a window's thread in one block.
 */
async function readWindows(store: Store, now: Date, windowHours: number, recentHours: number): Promise<Map<string, SkillWindow>> {
  const skills = all<{ skill_name: string }>(store.db, 'SELECT skill_name FROM skill_metrics').map((r) => r.skill_name);
  const windows = new Map<string, SkillWindow>();
  for (const skill of skills) {
    const w = readWindow(store, skill, [hoursAgo(recentHours, now), hoursAgo(windowHours, now), now.toISOString()]);
    if (w) windows.set(skill, w);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return windows;
}

function readWindow(store: Store, skill: string, [recentFrom, from, to]: [string, string, string]): SkillWindow | undefined {
  const stmt = prepared(
    store.db,
    `SELECT invoked_at >= ? AS recent, completed = 1 AS ok, duration_seconds
     FROM skill_invocation WHERE skill_name = ? AND invoked_at >= ? AND invoked_at <= ?`,
  );
  const w: SkillWindow = { baselineTrials: 0, baselineSuccesses: 0, recentTrials: 0, recentSuccesses: 0, baselineDurations: [], recentDurations: [] };
  stmt.bind([recentFrom, skill, from, to]);
  try {
    while (stmt.step()) {
      const [recent, ok, duration] = stmt.get() as [number, number, number | null];
      if (recent) {
        w.recentTrials++;
        w.recentSuccesses += ok;
        if (ok && duration !== null) w.recentDurations.push(duration);
      } else {
        w.baselineTrials++;
        w.baselineSuccesses += ok;
        if (ok && duration !== null) w.baselineDurations.push(duration);
      }
    }
  } finally {
    stmt.reset();
  }
  return w.baselineTrials + w.recentTrials > 0 ? w : undefined;
}

function evaluate(skill: string, w: SkillWindow): Finding[] {
  const findings: Finding[] = [];
  if (w.baselineTrials >= MIN_BASELINE_SAMPLES && w.recentTrials >= MIN_RECENT_SAMPLES) {
    findings.push({
      skill_name: skill,
      metric: 'completion_rate',
      score: predictiveCountZ(w.baselineSuccesses, w.baselineTrials, w.recentSuccesses, w.recentTrials),
      baseline_value: w.baselineSuccesses / w.baselineTrials,
      observed_value: w.recentSuccesses / w.recentTrials,
    });
  }
  if (w.baselineDurations.length >= MIN_BASELINE_SAMPLES && w.recentDurations.length >= MIN_RECENT_SAMPLES) {
    const logs = (values: number[]) => values.map((d) => Math.log(Math.max(d, MIN_DURATION_SECONDS)));
    const shift = robustShiftZ(logs(w.baselineDurations), logs(w.recentDurations), MIN_LOG_DURATION_SCALE);
    findings.push({
      skill_name: skill,
      metric: 'duration',
      score: shift.z,
      baseline_value: median(w.baselineDurations),
      observed_value: median(w.recentDurations),
    });
  }
  return findings;
}

function anomalyType(metric: AnomalyMetric, score: number): AnomalyType {
  if (metric === 'completion_rate') return score < 0 ? 'drop' : 'pattern_shift';
  return score > 0 ? 'spike' : 'pattern_shift';
}

/** The inverse of anomalyType: a pattern shift is a rise of the completion rate or a fall of the duration. */
function metricOf(row: { anomaly_type: string; baseline_value: number | null; observed_value: number | null }): AnomalyMetric {
  if (row.anomaly_type === 'spike') return 'duration';
  if (row.anomaly_type === 'pattern_shift' && (row.observed_value ?? 0) < (row.baseline_value ?? 0)) return 'duration';
  return 'completion_rate';
}

function keyOf(skill: string, metric: AnomalyMetric): string {
  return `${skill}\u0000${metric}`;
}

function storedRow(f: Finding, type: AnomalyType, detectedAt: string): Record<string, SqlValue> {
  return {
    skill_name: f.skill_name,
    detected_at: detectedAt,
    anomaly_type: type,
    baseline_value: f.baseline_value,
    observed_value: f.observed_value,
    deviation_score: f.score,
    resolved_at: null,
  };
}

function withoutMetric(row: StoredAnomaly): Record<string, SqlValue> {
  const { metric: _metric, ...stored } = row;
  return stored;
}

interface CacheState {
  skill_name: string;
  last_invoked: string | null;
  last_invocation_at: string | null;
  is_anomalous: number | null;
  anomaly_score: number | null;
}

/**
 * Cache rows whose anomaly flag or score changes: anomalous while an episode is open, with the
 * largest current deviation (rounded, so that small wobbles of an open episode do not write).
 */
function cacheChanges(store: Store, current: Anomaly[], open: StoredAnomaly[], updatedAt: string): Record<string, SqlValue>[] {
  const scores = new Map<string, number>();
  const consider = (skill: string, score: number) => {
    const known = scores.get(skill);
    if (known === undefined || Math.abs(score) > Math.abs(known)) scores.set(skill, score);
  };
  for (const a of current) consider(a.skill_name, a.deviation_score);
  for (const row of open) if (!scores.has(row.skill_name)) consider(row.skill_name, row.deviation_score ?? 0);
  const rows: Record<string, SqlValue>[] = [];
  const states = all<CacheState>(
    store.db,
    `SELECT m.skill_name, m.last_invoked, c.last_invocation_at, c.is_anomalous, c.anomaly_score
     FROM skill_metrics m LEFT JOIN skill_metrics_cache c ON c.skill_name = m.skill_name`,
  );
  for (const s of states) {
    const score = scores.get(s.skill_name);
    const flag = score === undefined ? 0 : 1;
    const value = score === undefined ? null : Math.round(score * 100) / 100;
    if ((s.is_anomalous ?? 0) === flag && s.anomaly_score === value) continue;
    const last = [s.last_invoked, s.last_invocation_at].filter((t): t is string => t !== null).sort().at(-1);
    if (last === undefined) continue;
    rows.push({ skill_name: s.skill_name, last_invocation_at: last, is_anomalous: flag, anomaly_score: value, updated_at: updatedAt });
  }
  return rows;
}
