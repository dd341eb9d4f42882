import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { WORKFLOW_PHASES } from '../integrations/workflowPhases';
import { hoursAgo } from '../time';
import { DURATION_BUCKETS, InvocationTotals } from './invocationTotals';

export { DURATION_BUCKETS } from './invocationTotals';

export interface PrometheusMetricsOptions {
  /** Skills with their own label value, by invocation count; the rest are summed as "other". */
  maxSkills?: number;
  /** Adds the Node.js process metrics (CPU, memory, event loop, handles). */
  processMetrics?: boolean;
  /** A session counts as active while not ended and started, or used, within this many hours. */
  activeSessionHours?: number;
}

interface HistogramSeries {
  labels: { skill_name: string; workflow_phase: string };
  buckets: number[];
  count: number;
  sum: number;
}

/** Everything one scrape reports, read from the store in one go so that the metrics agree. */
export interface ScrapeData {
  invocations: { skill_name: string; workflow_phase: string; completed: 'true' | 'false'; value: number }[];
  durations: HistogramSeries[];
  completionRates: { skill_name: string; value: number }[];
  activeSessions: number;
  anomalies: { anomaly_type: string; skill_name: string; value: number }[];
}

const OTHER = 'other';

/**
 * The scrape's numbers: totals over every stored invocation (so they survive restarts), kept by
 * `totals`, with label values capped to the busiest skills and the known phases.
 */
export function readScrapeData(store: Store, options: PrometheusMetricsOptions = {}, totals: InvocationTotals = new InvocationTotals(store)): ScrapeData {
  const maxSkills = options.maxSkills ?? 50;
  const db = store.db;
  const rows = totals.current();
  const perSkill = new Map<string, number>();
  for (const row of rows) perSkill.set(row.skill_name, (perSkill.get(row.skill_name) ?? 0) + row.n);
  const top = new Set(
    [...perSkill]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSkills)
      .map(([skill]) => skill),
  );
  const skillLabel = (skill: string) => (top.has(skill) ? skill : OTHER);

  const invocations = new Map<string, ScrapeData['invocations'][number]>();
  const durations = new Map<string, HistogramSeries>();
  const rates = new Map<string, { total: number; completed: number }>();
  for (const row of rows) {
    const skill = skillLabel(row.skill_name);
    const phase = phaseLabel(row.workflow_phase);
    const completed = row.completed === 1 ? 'true' : 'false';
    const invKey = `${skill}\u0000${phase}\u0000${completed}`;
    const inv = invocations.get(invKey) ?? { skill_name: skill, workflow_phase: phase, completed, value: 0 };
    inv.value += row.n;
    invocations.set(invKey, inv);

    const rate = rates.get(skill) ?? { total: 0, completed: 0 };
    rate.total += row.n;
    if (row.completed === 1) rate.completed += row.n;
    rates.set(skill, rate);

    if (row.timed > 0) {
      const durKey = `${skill}\u0000${phase}`;
      const series = durations.get(durKey) ?? { labels: { skill_name: skill, workflow_phase: phase }, buckets: DURATION_BUCKETS.map(() => 0), count: 0, sum: 0 };
      DURATION_BUCKETS.forEach((_, i) => (series.buckets[i] += row.buckets[i]));
      series.count += row.timed;
      series.sum += row.duration_sum;
      durations.set(durKey, series);
    }
  }

  const activeHours = options.activeSessionHours ?? 24;
  const since = hoursAgo(activeHours);
  const active = one<{ n: number }>(
    db,
    `SELECT COUNT(*) AS n FROM skill_sessions s
     WHERE s.ended_at IS NULL
       AND (s.started_at >= ? OR EXISTS (SELECT 1 FROM skill_invocation i WHERE i.session_id = s.session_id AND i.invoked_at >= ?))`,
    [since, since],
  );

  const anomalies = new Map<string, ScrapeData['anomalies'][number]>();
  for (const row of all<{ anomaly_type: string; skill_name: string; n: number }>(
    db,
    'SELECT anomaly_type, skill_name, COUNT(*) AS n FROM skill_anomalies GROUP BY anomaly_type, skill_name',
  )) {
    const skill = skillLabel(row.skill_name);
    const key = `${row.anomaly_type}\u0000${skill}`;
    const entry = anomalies.get(key) ?? { anomaly_type: row.anomaly_type, skill_name: skill, value: 0 };
    entry.value += row.n;
    anomalies.set(key, entry);
  }

  return {
    invocations: [...invocations.values()],
    durations: [...durations.values()],
    completionRates: [...rates].map(([skill_name, r]) => ({ skill_name, value: r.completed / r.total })),
    activeSessions: active?.n ?? 0,
    anomalies: [...anomalies.values()],
  };
}

/** Phases outside V3's list are folded into "other", so a typo cannot add series. */
function phaseLabel(phase: string | null): string {
  if (phase === null || phase === '') return 'unknown';
  return (WORKFLOW_PHASES as readonly string[]).includes(phase) ? phase : OTHER;
}

/**
 * The histogram's buckets are counted by SQL at scrape time; prom-client's Histogram only takes
 * single observations, so this metric hands the registry finished values. The registry accepts any
 * object with `get()` (and escapes names and labels itself); its typings only list its own classes.
 */
class StoreHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly help = 'Duration of skill invocations in seconds';
  constructor(readonly name: string, private readonly read: () => HistogramSeries[]) {}

  async get() {
    const values = this.read().flatMap((series) => [
      ...DURATION_BUCKETS.map((le, i) => ({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le }, value: series.buckets[i] })),
      { metricName: `${this.name}_bucket`, labels: { ...series.labels, le: '+Inf' }, value: series.count },
      { metricName: `${this.name}_sum`, labels: series.labels, value: series.sum },
      { metricName: `${this.name}_count`, labels: series.labels, value: series.count },
    ]);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

/**
 * A private registry whose values come from the store at scrape time. `scrape()` reads the store
 * once and renders every metric from that one reading.
 */
export class PrometheusMetrics {
  private readonly registry = new Registry();
  private data: ScrapeData | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly totals: InvocationTotals;

  constructor(private readonly store: Store, private readonly options: PrometheusMetricsOptions = {}) {
    this.totals = new InvocationTotals(store);
    const current = () => this.data!;
    new Counter({
      name: 'skill_invocations_total',
      help: 'Skill invocations recorded, by skill, workflow phase and outcome',
      labelNames: ['skill_name', 'workflow_phase', 'completed'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of current().invocations) this.inc({ skill_name: s.skill_name, workflow_phase: s.workflow_phase, completed: s.completed }, s.value);
      },
    });
    this.registry.registerMetric(new StoreHistogram('skill_duration_seconds', () => current().durations) as unknown as Metric);
    new Gauge({
      name: 'skill_completion_rate',
      help: 'Share of invocations that completed (0..1), per skill',
      labelNames: ['skill_name'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of current().completionRates) this.set({ skill_name: s.skill_name }, s.value);
      },
    });
    new Gauge({
      name: 'active_sessions_total',
      help: 'Sessions not ended that started or ran a skill recently',
      registers: [this.registry],
      collect() {
        this.set(current().activeSessions);
      },
    });
    new Counter({
      name: 'anomalies_detected_total',
      help: 'Anomalies detected and stored, by type and skill',
      labelNames: ['anomaly_type', 'skill_name'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of current().anomalies) this.inc({ anomaly_type: s.anomaly_type, skill_name: s.skill_name }, s.value);
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  dispose(): void {
    this.totals.dispose();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric. Scrapes run one at a time, each from one store reading. */
  scrape(): Promise<string> {
    const run = this.queue.then(async () => {
      this.data = readScrapeData(this.store, this.options, this.totals);
      try {
        return await this.registry.metrics();
      } finally {
        this.data = undefined;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
