/**
 * Hourly buckets per skill in skill_time_series. The store keeps the buckets of new invocations up
 * to date as events are applied (events.ts, refreshHourlyBuckets); this module reads them and
 * back-fills history recorded before the table existed (imported or pre-V4 databases).
 */
import type { AnalyticsJobRunner } from './analyticsJobRunner';
import type { SqlValue } from '../store/sqlDatabase';
import { removesRuns, type StoreEvent } from '../store/events';
import { all } from '../store/statements';
import type { Disposable, Store } from '../store/storeInterface';
import { hourBucket, hoursAgo, type Timestamp } from '../time';
import { positiveInteger, requireName } from '../validation';
import { referenceTime } from './monitoringOptions';
import { completionRate, meanDuration } from '../measures';

export interface HourlyPoint {
  skill_name: string;
  /** Start of the UTC hour. */
  timestamp: Timestamp;
  invocation_count: number;
  /** 0..1 */
  completion_rate: number | null;
  /** Mean over completed invocations with a duration. */
  avg_duration_seconds: number | null;
  unique_sessions: number;
}

export interface HourlySeriesOptions {
  /** One skill; default: every skill, each with its own series. */
  skill?: string;
  /** How many hours back, counting the current one. */
  hours?: number;
  now?: Date;
}

const MAX_HOURS = 24 * 366;

/** Hours with at least one invocation, oldest first (per skill when no skill is given). */
export function getHourlySeries(store: Store, options: HourlySeriesOptions = {}): HourlyPoint[] {
  const hours = positiveInteger('hours', options.hours, 24, MAX_HOURS);
  const now = referenceTime(options.now);
  const from = hourBucket(hoursAgo(hours - 1, now));
  const to = now.toISOString();
  // GROUP BY folds the duplicate rows two processes back-filling at once could leave (they hold the
  // same values); CROSS JOIN keeps skill_metrics as the outer loop, so each skill is one index range.
  const columns = `t.skill_name, t.timestamp, MAX(t.invocation_count) AS invocation_count, MAX(t.completion_rate) AS completion_rate,
                   MAX(t.avg_duration_seconds) AS avg_duration_seconds, MAX(t.unique_sessions) AS unique_sessions`;
  if (options.skill !== undefined) {
    return all<HourlyPoint>(
      store.db,
      `SELECT ${columns} FROM skill_time_series t WHERE t.skill_name = ? AND t.timestamp >= ? AND t.timestamp <= ?
       GROUP BY t.timestamp ORDER BY t.timestamp`,
      [requireName('skill', options.skill), from, to],
    );
  }
  return all<HourlyPoint>(
    store.db,
    `SELECT ${columns} FROM skill_metrics m CROSS JOIN skill_time_series t ON t.skill_name = m.skill_name AND t.timestamp >= ? AND t.timestamp <= ?
     GROUP BY t.skill_name, t.timestamp ORDER BY t.skill_name, t.timestamp`,
    [from, to],
  );
}

export interface BackfillOptions {
  /** How many days of history to rebuild (default 365, the default retention). */
  days?: number;
  /** Called after each skill: skills done, skills in total. */
  onProgress?: (done: number, total: number) => void;
  now?: Date;
  /**
   * Where the aggregates are computed (the store host's job process, a window's worker thread): at a
   * million runs one skill's took up to 1.6 s, during which the host answered no one.
   */
  jobs?: Pick<AnalyticsJobRunner, 'run'>;
}

/** One skill's hourly aggregates. */
export interface SkillBuckets {
  skill: string;
  buckets: Bucket[];
}

export interface BackfillResult {
  /** Hourly buckets with invocations in the range. */
  buckets: number;
  /** Rows written or removed to make the table match the invocations (0 when it already did). */
  written: number;
}

interface Bucket {
  id?: number;
  timestamp: string;
  invocation_count: number;
  completion_rate: number | null;
  avg_duration_seconds: number | null;
  unique_sessions: number;
}

/**
 * Recomputes every hourly bucket of the last `days` days from the invocations, one skill at a time,
 * and writes the rows that are missing or differ (an existing row keeps its id, a new one gets an id
 * from the store, so running it again, or replaying its events, changes nothing).
 */
export async function backfillTimeSeries(store: Store, options: BackfillOptions = {}): Promise<BackfillResult> {
  const days = positiveInteger('days', options.days, 365, 36_500);
  const now = referenceTime(options.now);
  const from = hourBucket(hoursAgo(days * 24, now));
  const late = new LateRuns(store, from);
  try {
    const aggregates = options.jobs ? await late.aggregatesFrom(options.jobs) : undefined;
    const skills = aggregates?.map((a) => a.skill) ?? skillNames(store);
    const result: BackfillResult = { buckets: 0, written: 0 };
    for (const [index, skill] of skills.entries()) {
      const computed = aggregates ? late.corrected(skill, aggregates[index].buckets) : computedBuckets(store, skill, from);
      result.buckets += computed.length;
      const events = await bucketChanges(store, skill, computed, storedBuckets(store, skill, from));
      if (events.length > 0) {
        await store.commit(events);
        result.written += events.reduce((n, e) => n + (e.t === 'upsert' ? e.rows.length : 1), 0);
      }
      options.onProgress?.(index + 1, skills.length);
    }
    return result;
  } finally {
    late.dispose();
  }
}

/**
 * The runs applied while the aggregates were computed elsewhere: their buckets are computed again
 * here before they are compared and written, or the backfill would overwrite the live refresh's
 * newer value with the job's older one. A retention or purge meanwhile voids the job's answer.
 */
class LateRuns {
  private readonly hours = new Map<string, Set<string>>();
  private removed = false;
  private readonly listening: Disposable;

  constructor(private readonly store: Store, private readonly from: string) {
    this.listening = store.onDidApply((events) => {
      for (const event of events) {
        if (removesRuns(event)) this.removed = true;
        else if (event.t === 'invocation' && event.row.invoked_at >= from) this.add(event.row.skill_name, hourBucket(event.row.invoked_at));
      }
    });
  }

  /** The job's aggregates, or undefined when runs were removed meanwhile (the backfill then computes here). */
  async aggregatesFrom(jobs: Pick<AnalyticsJobRunner, 'run'>): Promise<SkillBuckets[] | undefined> {
    const aggregates = (await jobs.run(this.store, { kind: 'hourlyAggregates', from: this.from })).summary;
    return this.removed ? undefined : aggregates;
  }

  /** The job's buckets of `skill`, with those of runs applied since computed again from the store. */
  corrected(skill: string, buckets: Bucket[]): Bucket[] {
    const hours = this.hours.get(skill);
    if (!hours) return buckets;
    const fresh = [...hours].flatMap((hour) => computedBuckets(this.store, skill, hour, nextHour(hour)));
    return [...buckets.filter((b) => !hours.has(b.timestamp)), ...fresh];
  }

  dispose(): void {
    this.listening.dispose();
  }

  private add(skill: string, hour: string): void {
    let hours = this.hours.get(skill);
    if (!hours) this.hours.set(skill, (hours = new Set()));
    hours.add(hour);
  }
}

/** Above every canonical timestamp: an open upper bound the same query can use. */
const END_OF_TIME = '\uffff';

function nextHour(hour: string): string {
  return new Date(Date.parse(hour) + 3_600_000).toISOString();
}

/** Every skill's hourly aggregates since `from` (a job of its own: analyticsJobs.ts). */
export function hourlyAggregates(store: Pick<Store, 'db'>, from: string): SkillBuckets[] {
  return skillNames(store).map((skill) => ({ skill, buckets: computedBuckets(store, skill, from) }));
}

function skillNames(store: Pick<Store, 'db'>): string[] {
  return all<{ skill_name: string }>(store.db, 'SELECT skill_name FROM skill_metrics ORDER BY skill_name').map((r) => r.skill_name);
}

/** The same aggregates as the store's live refresh (events.ts), over one skill's index range. */
function computedBuckets(store: Pick<Store, 'db'>, skill: string, from: string, until?: string): Bucket[] {
  return all<Bucket>(
    store.db,
    `SELECT substr(invoked_at, 1, 13) || ':00:00.000Z' AS timestamp, COUNT(*) AS invocation_count,
            ${completionRate()} AS completion_rate,
            ${meanDuration()} AS avg_duration_seconds,
            COUNT(DISTINCT session_id) AS unique_sessions
     FROM skill_invocation WHERE skill_name = ? AND invoked_at >= ? AND invoked_at < ?
     GROUP BY substr(invoked_at, 1, 13)`,
    [skill, from, until ?? END_OF_TIME],
  );
}

function storedBuckets(store: Store, skill: string, from: string): Required<Bucket>[] {
  return all<Required<Bucket>>(
    store.db,
    `SELECT id, timestamp, invocation_count, completion_rate, avg_duration_seconds, unique_sessions
     FROM skill_time_series WHERE skill_name = ? AND timestamp >= ? ORDER BY id`,
    [skill, from],
  );
}

async function bucketChanges(store: Store, skill: string, computed: Bucket[], stored: Required<Bucket>[]): Promise<StoreEvent[]> {
  const events: StoreEvent[] = [];
  const kept = new Map<string, Required<Bucket>>();
  for (const row of stored) {
    if (kept.has(row.timestamp)) events.push({ t: 'delete', table: 'skill_time_series', where: { id: row.id } });
    else kept.set(row.timestamp, row);
  }
  const rows: Record<string, SqlValue>[] = [];
  for (const bucket of computed) {
    const old = kept.get(bucket.timestamp);
    kept.delete(bucket.timestamp);
    if (old && sameBucket(old, bucket)) continue;
    rows.push({ id: old?.id ?? (await store.nextId()), skill_name: skill, ...bucket });
  }
  for (const orphan of kept.values()) events.push({ t: 'delete', table: 'skill_time_series', where: { id: orphan.id } });
  if (rows.length > 0) events.unshift({ t: 'upsert', table: 'skill_time_series', key: ['id'], rows });
  return events;
}

function sameBucket(a: Bucket, b: Bucket): boolean {
  return (
    a.invocation_count === b.invocation_count &&
    a.unique_sessions === b.unique_sessions &&
    close(a.completion_rate, b.completion_rate) &&
    close(a.avg_duration_seconds, b.avg_duration_seconds)
  );
}

function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
}
