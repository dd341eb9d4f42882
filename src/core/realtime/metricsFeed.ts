import { detectAnomalies, getOpenAnomalies, type StoredAnomaly } from '../analytics/anomalies';
import { getRealTimeMetrics, type RealTimeMetric } from '../analytics/realtimeMetrics';
import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';
import type { AnchorPayload, AnchorTopSkill, AnomalyEntry, MetricsPayload, TopSkillEntry } from './protocol';

/** Where the WebSocket server gets its updates: one payload per subscription (null = all skills). */
export interface MetricsSource {
  readonly windowHours: number;
  /** This project's payload (session-buddy.v1): the sliding window. */
  collect(subscriptions: ReadonlySet<string | null>): Promise<Map<string | null, MetricsPayload>>;
  /** The anchor's payload, for clients that ask for no subprotocol: lifetime totals, rates in percent. */
  collectAnchor(subscriptions: ReadonlySet<string | null>): Promise<Map<string | null, AnchorPayload>>;
}

export interface StoreMetricsSourceOptions {
  /** The sliding window of top_skills (hours). */
  windowHours?: number;
  /** How many skills an all-skills update lists (the anchor's 10). */
  topLimit?: number;
  /** Picks up other processes' events before reading (for a store opened without polling). */
  pullEvents?: boolean;
  /** Runs anomaly detection at most this often while clients are connected; 0 leaves it to others. */
  anomalyCheckMs?: number;
  onLog?: (message: string) => void;
}

/** Every skill active in the window, for a subscription to one outside the top list. */
const ALL_ACTIVE = 1000;
const OPEN_ANOMALIES = 1000;

/** Reads updates from the store, once per tick for all subscriptions together. */
export class StoreMetricsSource implements MetricsSource {
  readonly windowHours: number;
  private lastCheck = 0;

  constructor(private readonly store: Store, private readonly options: StoreMetricsSourceOptions = {}) {
    this.windowHours = options.windowHours ?? 1;
  }

  async collect(subscriptions: ReadonlySet<string | null>): Promise<Map<string | null, MetricsPayload>> {
    if (this.options.pullEvents) this.store.pullEvents();
    await this.checkAnomalies();
    const topLimit = this.options.topLimit ?? 10;
    const top = getRealTimeMetrics(this.store, { limit: topLimit, windowHours: this.windowHours });
    const skills = [...subscriptions].filter((s): s is string => s !== null);
    const needsAll = skills.some((s) => !top.some((t) => t.skill_name === s));
    const active = needsAll ? getRealTimeMetrics(this.store, { limit: ALL_ACTIVE, windowHours: this.windowHours }) : top;
    const anomalies = getOpenAnomalies(this.store, { limit: skills.length ? OPEN_ANOMALIES : topLimit }).map(anomalyEntry);

    const payloads = new Map<string | null, MetricsPayload>();
    if (subscriptions.has(null)) payloads.set(null, { top_skills: top.map(topEntry), anomalies: anomalies.slice(0, topLimit) });
    for (const skill of skills) {
      payloads.set(skill, {
        top_skills: active.filter((m) => m.skill_name === skill).map(topEntry),
        anomalies: anomalies.filter((a) => a.skill_name === skill).slice(0, topLimit),
      });
    }
    return payloads;
  }

  async collectAnchor(subscriptions: ReadonlySet<string | null>): Promise<Map<string | null, AnchorPayload>> {
    if (this.options.pullEvents) this.store.pullEvents();
    await this.checkAnomalies();
    const topLimit = this.options.topLimit ?? 10;
    const skills = [...subscriptions].filter((s): s is string => s !== null);
    const anomalies = getOpenAnomalies(this.store, { limit: skills.length ? OPEN_ANOMALIES : topLimit }).map(({ skill_name, detected_at, anomaly_type, deviation_score }) => ({ skill_name, detected_at, anomaly_type, deviation_score }));
    const payloads = new Map<string | null, AnchorPayload>();
    if (subscriptions.has(null)) payloads.set(null, { top_skills: lifetimeTop(this.store, topLimit), anomalies: anomalies.slice(0, topLimit) });
    for (const skill of skills) payloads.set(skill, { top_skills: lifetimeTop(this.store, 1, skill), anomalies: anomalies.filter((a) => a.skill_name === skill).slice(0, topLimit) });
    return payloads;
  }

  private async checkAnomalies(): Promise<void> {
    const every = this.options.anomalyCheckMs ?? 0;
    if (every <= 0 || Date.now() - this.lastCheck < every || this.store.mode !== 'work') return;
    this.lastCheck = Date.now();
    try {
      await detectAnomalies(this.store);
    } catch (err) {
      this.options.onLog?.(`anomaly detection failed: ${(err as Error).message}`);
    }
  }
}

/** The anchor's get_top_skills: lifetime totals from skill_metrics, most runs first, completion rate in percent. */
function lifetimeTop(store: Store, limit: number, skill?: string): AnchorTopSkill[] {
  return all<AnchorTopSkill>(
    store.db,
    `SELECT skill_name, total_invocations, completion_rate, avg_duration_seconds FROM skill_metrics
     WHERE total_invocations > 0 AND (? IS NULL OR skill_name = ?) ORDER BY total_invocations DESC, skill_name LIMIT ?`,
    [skill ?? null, skill ?? null, limit],
  );
}

function topEntry(m: RealTimeMetric): TopSkillEntry {
  return {
    skill_name: m.skill_name,
    invocation_count: m.invocation_count,
    completed_count: m.completed_count,
    completion_rate: m.completion_rate,
    avg_duration_seconds: m.avg_duration_seconds,
    last_invocation_at: m.last_invocation_at,
  };
}

function anomalyEntry(a: StoredAnomaly): AnomalyEntry {
  return {
    id: a.id,
    skill_name: a.skill_name,
    detected_at: a.detected_at,
    anomaly_type: a.anomaly_type,
    metric: a.metric,
    baseline_value: a.baseline_value,
    observed_value: a.observed_value,
    deviation_score: a.deviation_score,
  };
}
