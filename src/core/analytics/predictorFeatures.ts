import type { SqlDatabase } from '../store/sqlDatabase';
import { all, one, prepared } from '../store/statements';
import type { Timestamp } from '../time';
import { minOf } from '../collections';

/**
 * What the predictor knows about an invocation at the moment it starts. Everything here is
 * computed from strictly earlier data, never from the invocation's own outcome.
 */
export interface RawFeatures {
  /** UTC hour with its fraction, 0 ≤ h < 24. */
  hour: number;
  /** UTC day of the week, Monday = 0. */
  weekday: number;
  /** This skill's invocations in the 24 h before (strictly). */
  count24h: number;
  /** How many of those completed. */
  completed24h: number;
  phase: string | null;
  /** null: no session given at prediction time (always known in training). */
  sessionAgeMinutes: number | null;
  /** Earlier completed invocations of this skill in the same session; null as above. */
  sessionCompletions: number | null;
}

export interface Sample {
  invoked_at: Timestamp;
  skill_name: string;
  label: 0 | 1;
  features: RawFeatures;
}

export const FEATURE_NAMES = [
  'hour',
  'weekday',
  'skill_count_24h',
  'skill_success_rate_24h',
  'workflow_phase',
  'session_age',
  'session_completions',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** How raw features become scaled numeric columns: categorical vocabularies and z-score parameters. */
export interface FeatureEncoder {
  phases: string[];
  means: number[];
  stds: number[];
}

const DAY_MS = 86_400_000;
/** A category gets its own column when at least this share of the training samples has it... */
const MIN_CATEGORY_SHARE = 0.01;
/** ...and at least this many samples; at most MAX_CATEGORIES columns per categorical feature. */
const MIN_CATEGORY_COUNT = 5;
const MAX_CATEGORIES = 12;

interface ScannedRow {
  skill_name: string;
  invoked_at: string;
  session_id: string;
  completed: number;
  workflow_phase: string | null;
}

/**
 * Invocations in [from, until) in time order (the invoked_at index gives the order), handed over a
 * timestamp's group at a time: rows with equal timestamps do not see each other. Read as arrays,
 * not objects (a third faster at 100k rows), and never all at once: at 1M rows holding them took
 * hundreds of MB.
 */
function scanInvocationGroups(db: SqlDatabase, from: Timestamp, until: Timestamp, visit: (group: readonly ScannedRow[]) => void): void {
  const stmt = prepared(
    db,
    'SELECT skill_name, invoked_at, session_id, completed, workflow_phase FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ? ORDER BY invoked_at',
  );
  stmt.bind([from, until]);
  let group: ScannedRow[] = [];
  try {
    while (stmt.step()) {
      const [skill_name, invoked_at, session_id, completed, workflow_phase] = stmt.get();
      const at = String(invoked_at);
      if (group.length && group[0].invoked_at !== at) {
        visit(group);
        group = [];
      }
      group.push({ skill_name: String(skill_name), invoked_at: at, session_id: String(session_id), completed: Number(completed), workflow_phase: workflow_phase === null ? null : String(workflow_phase) });
    }
    if (group.length) visit(group);
  } finally {
    stmt.reset();
  }
}

/**
 * Samples for every invocation in [from, until), with features as of each invocation, in one
 * pass in time order: per-skill sliding 24 h windows, per-(session, skill) completion counters.
 * The 24 h before `from` is read too, so the first samples have their history. Invocations with
 * the same timestamp do not see each other ("strictly before").
 */
export function extractSamples(db: SqlDatabase, from: Timestamp, until: Timestamp): Sample[] {
  const samples: Sample[] = [];
  forEachSample(db, from, until, (sample) => void samples.push(sample));
  return samples;
}

/** As extractSamples, handing each sample to `visit` with its position instead of keeping them all. */
export function forEachSample(db: SqlDatabase, from: Timestamp, until: Timestamp, visit: (sample: Sample, index: number) => void): void {
  const lookback = new Date(Date.parse(from) - DAY_MS).toISOString();
  const sessionStarts = knownSessionStarts(db, lookback);
  const windows = new Map<string, SkillWindow>();
  const completions = new SessionCompletions(lastRuns(db, lookback, until));
  let index = 0;
  scanInvocationGroups(db, lookback, until, (group) => {
    const at = Date.parse(group[0].invoked_at);
    for (const row of group) {
      const start = sessionStarts.get(row.session_id);
      if (start === undefined || at < start) sessionStarts.set(row.session_id, at);
      if (row.invoked_at < from) continue;
      const window = windowOf(windows, row.skill_name);
      window.evictBefore(at - DAY_MS);
      visit({
        invoked_at: row.invoked_at,
        skill_name: row.skill_name,
        label: row.completed === 1 ? 1 : 0,
        features: {
          hour: hourOf(at),
          weekday: weekdayOf(at),
          count24h: window.count,
          completed24h: window.completed,
          phase: normaliseCategory(row.workflow_phase),
          sessionAgeMinutes: Math.max(0, (at - sessionStarts.get(row.session_id)!) / 60_000),
          sessionCompletions: completions.of(row.session_id, row.skill_name),
        },
      }, index++);
    }
    // Only now do this timestamp's outcomes become history for later invocations.
    for (const row of group) {
      windowOf(windows, row.skill_name).add(at, row.completed === 1);
      if (row.completed === 1) completions.add(row.session_id, row.skill_name);
    }
    for (const row of group) completions.passed(row.session_id, row.invoked_at);
  });
}

/** Each session's newest run in [from, until): after it, nothing asks for the session's counts. */
function lastRuns(db: SqlDatabase, from: Timestamp, until: Timestamp): Map<string, string> {
  const rows = all<{ session_id: string; last: string }>(
    db,
    'SELECT session_id, MAX(invoked_at) AS last FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ? GROUP BY session_id',
    [from, until],
  );
  return new Map(rows.map((r) => [String(r.session_id), r.last]));
}

/**
 * Completed runs of each skill so far in each session. A session's counts are dropped once its
 * last run has passed: a month holds tens of thousands of sessions, but few are open at any time,
 * and keeping every (session, skill) pair took some 60 MB at a million runs.
 */
class SessionCompletions {
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(private readonly lastRun: Map<string, string>) {}

  of(session: string, skill: string): number {
    return this.counts.get(session)?.get(skill) ?? 0;
  }

  add(session: string, skill: string): void {
    let skills = this.counts.get(session);
    if (!skills) this.counts.set(session, (skills = new Map()));
    skills.set(skill, (skills.get(skill) ?? 0) + 1);
  }

  /** The run of the session at `at` has been counted. */
  passed(session: string, at: Timestamp): void {
    if (this.lastRun.get(session) === at) {
      this.counts.delete(session);
      this.lastRun.delete(session);
    }
  }
}

/** How many samples [from, until) gives, and how many of them completed, without computing them. */
export function countSamples(db: SqlDatabase, from: Timestamp, until: Timestamp): { samples: number; completed: number } {
  const [row] = db.exec('SELECT COUNT(*), COALESCE(SUM(completed = 1), 0) FROM skill_invocation WHERE invoked_at >= ? AND invoked_at < ?', [from, until]);
  return { samples: Number(row?.values[0][0] ?? 0), completed: Number(row?.values[0][1] ?? 0) };
}

export interface PredictionContext {
  /** When the skill would run; default now. */
  at?: string | Date;
  phase?: string | null;
  /** The current session: its age and earlier completions of the skill in it. */
  sessionId?: string;
  /** Overrides the session's recorded start. */
  sessionStartedAt?: string | Date;
}

/** A validated PredictionContext: times in epoch milliseconds, absent values null. */
export interface ResolvedContext {
  at: number;
  phase: string | null;
  sessionId: string | null;
  sessionStartedAt: number | null;
}

/** The same features as extractSamples, for one prospective invocation, from indexed queries. */
export function featuresAt(db: SqlDatabase, skill: string, context: ResolvedContext): RawFeatures {
  const at = context.at;
  const iso = new Date(at).toISOString();
  const window = one<{ n: number; c: number }>(
    db,
    `SELECT COUNT(*) AS n, COALESCE(SUM(completed = 1), 0) AS c
     FROM skill_invocation WHERE skill_name = ? AND invoked_at >= ? AND invoked_at < ?`,
    [skill, new Date(at - DAY_MS).toISOString(), iso],
  )!;
  let sessionAgeMinutes: number | null = null;
  let sessionCompletions: number | null = null;
  if (context.sessionId) {
    // Filtered on session_id alone so the session index is used (a session holds few rows).
    const session = one<{ first: string | null; completions: number | null }>(
      db,
      'SELECT MIN(invoked_at) AS first, SUM(skill_name = ? AND completed = 1 AND invoked_at < ?) AS completions FROM skill_invocation WHERE session_id = ?',
      [skill, iso, context.sessionId],
    )!;
    sessionCompletions = session.completions ?? 0;
    const start = context.sessionStartedAt ?? sessionStart(db, context.sessionId, session.first);
    sessionAgeMinutes = start === undefined ? 0 : Math.max(0, (at - start) / 60_000);
  }
  return {
    hour: hourOf(at),
    weekday: weekdayOf(at),
    count24h: window.n,
    completed24h: window.c,
    phase: normaliseCategory(context.phase),
    sessionAgeMinutes,
    sessionCompletions,
  };
}

/** Vocabularies from the training samples, then z-score parameters of the encoded columns. */
export function fitEncoder(samples: readonly Sample[]): FeatureEncoder {
  const encoder: FeatureEncoder = {
    phases: vocabulary(samples.map((s) => s.features.phase)),
    means: [],
    stds: [],
  };
  const columns = unscaled(encoder, samples[0].features).length;
  const means = new Array<number>(columns).fill(0);
  const squares = new Array<number>(columns).fill(0);
  for (const s of samples) {
    const x = unscaled(encoder, s.features);
    for (let c = 0; c < columns; c++) {
      means[c] += x[c];
      squares[c] += x[c] * x[c];
    }
  }
  encoder.means = means.map((m) => m / samples.length);
  encoder.stds = squares.map((sq, c) => {
    const variance = sq / samples.length - encoder.means[c] ** 2;
    // A constant column carries no information; a unit scale keeps it at 0 instead of dividing by 0.
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return encoder;
}

/** Scaled numeric columns; an unknown value becomes the training mean (0), which favours no neighbour. */
export function encode(encoder: FeatureEncoder, features: RawFeatures): number[] {
  const x = unscaled(encoder, features);
  for (let c = 0; c < x.length; c++) x[c] = Number.isNaN(x[c]) ? 0 : (x[c] - encoder.means[c]) / encoder.stds[c];
  return x;
}

/** How many encoded columns each feature has (a categorical feature may have none). */
function featureWidths(encoder: Pick<FeatureEncoder, 'phases'>): Record<FeatureName, number> {
  return {
    hour: 2,
    weekday: 2,
    skill_count_24h: 1,
    skill_success_rate_24h: 1,
    workflow_phase: encoder.phases.length,
    session_age: 1,
    session_completions: 1,
  };
}

/** The number of encoded columns. */
export function encodedWidth(encoder: Pick<FeatureEncoder, 'phases'>): number {
  const widths = featureWidths(encoder);
  return FEATURE_NAMES.reduce((n, name) => n + widths[name], 0);
}

/** Which encoded columns belong to each feature. */
export function featureColumns(encoder: FeatureEncoder): Record<FeatureName, number[]> {
  const widths = featureWidths(encoder);
  const out = {} as Record<FeatureName, number[]>;
  let next = 0;
  for (const name of FEATURE_NAMES) {
    out[name] = Array.from({ length: widths[name] }, (_, i) => next + i);
    next += widths[name];
  }
  return out;
}

/**
 * Column order follows FEATURE_NAMES. Cyclic features are (sin, cos) pairs so 23:00 is next to
 * 00:00 (and the UTC offset of the user only rotates them); counts are log-scaled; the 24 h rate
 * is Laplace-smoothed, so no history reads as 0.5 rather than as failure. An unknown session gives
 * NaN, which encode() turns into the training mean.
 */
function unscaled(encoder: FeatureEncoder, f: RawFeatures): number[] {
  const hourAngle = (2 * Math.PI * f.hour) / 24;
  const dayAngle = (2 * Math.PI * f.weekday) / 7;
  return [
    Math.sin(hourAngle),
    Math.cos(hourAngle),
    Math.sin(dayAngle),
    Math.cos(dayAngle),
    Math.log1p(f.count24h),
    (f.completed24h + 1) / (f.count24h + 2),
    ...oneHot(encoder.phases, f.phase),
    f.sessionAgeMinutes === null ? Number.NaN : Math.log1p(f.sessionAgeMinutes),
    f.sessionCompletions === null ? Number.NaN : Math.log1p(f.sessionCompletions),
  ];
}

function oneHot(vocabulary: readonly string[], value: string | null): number[] {
  return vocabulary.map((v) => (v === value ? 1 : 0));
}

function vocabulary(values: readonly (string | null)[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const needed = Math.max(MIN_CATEGORY_COUNT, MIN_CATEGORY_SHARE * values.length);
  return [...counts]
    .filter(([, n]) => n >= needed)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_CATEGORIES)
    .map(([v]) => v);
}

function hourOf(at: number): number {
  return (at % DAY_MS) / 3_600_000;
}

function weekdayOf(at: number): number {
  // 1970-01-01 was a Thursday (Monday = 0 → 3).
  return (Math.floor(at / DAY_MS) + 3) % 7;
}

function normaliseCategory(value: string | null): string | null {
  const v = value?.trim().toLowerCase();
  return v ? v : null;
}

/** The session's recorded start or its first invocation, whichever is earlier (as in training). */
function sessionStart(db: SqlDatabase, sessionId: string, firstInvocation: string | null): number | undefined {
  const recorded = hasSessionsTable(db)
    ? one<{ started_at: string }>(db, 'SELECT started_at FROM skill_sessions WHERE session_id = ?', [sessionId])?.started_at
    : undefined;
  const candidates = [recorded, firstInvocation].filter((v): v is string => typeof v === 'string').map((v) => Date.parse(v)).filter(Number.isFinite);
  return candidates.length ? minOf(candidates) : undefined;
}

/** Recorded starts of the sessions that have invocations since `from` (V5 skill_sessions). */
function knownSessionStarts(db: SqlDatabase, from: Timestamp): Map<string, number> {
  const starts = new Map<string, number>();
  if (!hasSessionsTable(db)) return starts;
  const rows = all<{ session_id: string; started_at: string }>(
    db,
    'SELECT session_id, started_at FROM skill_sessions WHERE session_id IN (SELECT session_id FROM skill_invocation WHERE invoked_at >= ?)',
    [from],
  );
  for (const r of rows) {
    const t = Date.parse(r.started_at);
    if (Number.isFinite(t)) starts.set(r.session_id, t);
  }
  return starts;
}

function hasSessionsTable(db: SqlDatabase): boolean {
  return one(db, "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'skill_sessions'") !== undefined;
}

function windowOf(windows: Map<string, SkillWindow>, skill: string): SkillWindow {
  let w = windows.get(skill);
  if (!w) {
    w = new SkillWindow();
    windows.set(skill, w);
  }
  return w;
}

/** One skill's invocations in a sliding time window: a queue with running totals. */
class SkillWindow {
  private times: number[] = [];
  private outcomes: boolean[] = [];
  private head = 0;
  count = 0;
  completed = 0;

  add(at: number, completed: boolean): void {
    this.times.push(at);
    this.outcomes.push(completed);
    this.count++;
    if (completed) this.completed++;
  }

  evictBefore(bound: number): void {
    while (this.head < this.times.length && this.times[this.head] < bound) {
      this.count--;
      if (this.outcomes[this.head]) this.completed--;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.outcomes = this.outcomes.slice(this.head);
      this.head = 0;
    }
  }
}
