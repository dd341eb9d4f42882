import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { PrometheusExporter, type PrometheusExporterOptions } from '../../src/core/realtime/prometheusExporter';
import { SkillStore } from '../../src/core/store/store';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';
import type { Store as AnyStore } from '../../src/core/store/storeInterface';

type Store = Awaited<ReturnType<typeof tempStore>>;
let env: Store;
const exporters: PrometheusExporter[] = [];

const QUIRKY = 'say "hi" \\ there';

/**
 * Known truth, counted by hand below:
 * - pytest-run / execution: 7 runs, 5 completed; durations 0.05 0.3 0.7 1.5 4 (completed), 20 400 (failed)
 * - ruff-check / no phase: 3 runs, all completed, durations 0.2, 0.2 and one without duration
 * - QUIRKY / phase "my-custom-phase" (folded into "other"): 2 runs, 1 completed, durations 1 and 2
 * - tail-01..tail-04 / verification: 1 run each, completed, 0.5 s — below the cap, summed as "other"
 */
function planted(): PlantedInvocation[] {
  const runs: PlantedInvocation[] = [];
  const pytest: [number, boolean][] = [[0.05, true], [0.3, true], [0.7, true], [1.5, true], [4, true], [20, false], [400, false]];
  pytest.forEach(([duration, completed], i) => runs.push({ skill: 'pytest-run', at: ago.minutes(30 + i), session: 's1', completed, duration, phase: 'execution' }));
  runs.push({ skill: 'ruff-check', at: ago.minutes(10), session: 's2', duration: 0.2 });
  runs.push({ skill: 'ruff-check', at: ago.minutes(11), session: 's2', duration: 0.2 });
  runs.push({ skill: 'ruff-check', at: ago.minutes(12), session: 's2', duration: null });
  runs.push({ skill: QUIRKY, at: ago.minutes(5), session: 's1', duration: 1, phase: 'my-custom-phase' });
  runs.push({ skill: QUIRKY, at: ago.minutes(6), session: 's1', duration: 2, completed: false, phase: 'my-custom-phase' });
  for (let i = 1; i <= 4; i++) runs.push({ skill: `tail-0${i}`, at: ago.days(3), session: 'old', duration: 0.5, phase: 'verification' });
  runs.push({ skill: 'tail-01', at: ago.minutes(50), session: 's3', duration: 0.5, phase: 'verification' });
  return runs;
}

before(async () => {
  env = await tempStore();
  await plant(env.store, planted());
  const ids = await Promise.all([1, 2, 3].map(() => env.store.nextId()));
  await env.store.commit([
    { t: 'session_end', session_id: 's3', ended_at: ago.minutes(1).toISOString() },
    {
      t: 'upsert',
      table: 'skill_anomalies',
      key: ['id'],
      rows: [
        { id: ids[0], skill_name: 'pytest-run', detected_at: ago.hours(5).toISOString(), anomaly_type: 'drop', baseline_value: 0.9, observed_value: 0.4, deviation_score: -3, resolved_at: ago.hours(4).toISOString() },
        { id: ids[1], skill_name: 'pytest-run', detected_at: ago.minutes(20).toISOString(), anomaly_type: 'drop', baseline_value: 0.9, observed_value: 0.5, deviation_score: -2.4, resolved_at: null },
        { id: ids[2], skill_name: 'tail-02', detected_at: ago.days(2).toISOString(), anomaly_type: 'spike', baseline_value: 0.5, observed_value: 3, deviation_score: 4, resolved_at: null },
      ],
    },
  ]);
});

after(async () => {
  await Promise.all(exporters.map((e) => e.close()));
  await env.close();
});

async function startExporter(store: AnyStore, options: PrometheusExporterOptions = {}): Promise<PrometheusExporter> {
  const exporter = new PrometheusExporter(store, { port: 0, maxSkills: 3, ...options });
  exporters.push(exporter);
  await exporter.start();
  return exporter;
}

function request(url: string, options: http.RequestOptions = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

type Families = ReturnType<typeof parsePrometheusTextFormat>;

function samples(families: Families, name: string) {
  const family = families.find((f) => f.name === name);
  assert.ok(family, `${name} is exported`);
  return family;
}

function valueOf(families: Families, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(families, name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v) && Object.keys(m.labels ?? {}).length === Object.keys(labels).length);
  return found ? Number(found.value) : undefined;
}

/**
 * parse-prometheus-text-format folds every series of a labelled histogram into one (its
 * flattenMetrics keeps no labels), so one series is cut out of the exposition, its fixed labels
 * removed, and parsed on its own.
 */
function histogramSeries(body: string, name: string, labels: string) {
  const lines = body.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `) || (l.startsWith(`${name}_`) && l.includes(`{${labels}`)));
  const text = lines.map((l) => l.replace(`{${labels},`, '{').replace(`{${labels}}`, '')).join('\n');
  const [family] = parsePrometheusTextFormat(`${text}\n`);
  assert.equal(family.type, 'HISTOGRAM');
  return family.metrics[0];
}

describe('Prometheus exporter', () => {
  let families: Families;
  let body: string;
  let exporter: PrometheusExporter;

  before(async () => {
    exporter = await startExporter(env.store);
    const res = await request(exporter.url);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    body = res.body;
    families = parsePrometheusTextFormat(body);
  });

  test('skill_invocations_total{skill_name,workflow_phase,completed} matches the planted counts', () => {
    assert.equal(samples(families, 'skill_invocations_total').type, 'COUNTER');
    const count = (skill_name: string, workflow_phase: string, completed: string) => valueOf(families, 'skill_invocations_total', { skill_name, workflow_phase, completed });
    assert.equal(count('pytest-run', 'execution', 'true'), 5);
    assert.equal(count('pytest-run', 'execution', 'false'), 2);
    assert.equal(count('ruff-check', 'unknown', 'true'), 3);
    assert.equal(count(QUIRKY, 'other', 'true'), 1, 'label values are escaped and parse back intact; unknown phases fold into "other"');
    assert.equal(count(QUIRKY, 'other', 'false'), 1);
    assert.equal(count('other', 'verification', 'true'), 5, 'skills beyond the cap are summed as "other"');
    const total = samples(families, 'skill_invocations_total').metrics.reduce((s, m) => s + Number(m.value), 0);
    assert.equal(total, 17);
    assert.ok(!samples(families, 'skill_invocations_total').metrics.some((m) => m.labels?.skill_name?.startsWith('tail-')));
  });

  test('skill_duration_seconds is a histogram with the anchor buckets and cumulative counts', () => {
    assert.equal(samples(families, 'skill_duration_seconds').type, 'HISTOGRAM');
    const pytest = histogramSeries(body, 'skill_duration_seconds', 'skill_name="pytest-run",workflow_phase="execution"');
    assert.deepEqual(pytest.buckets, { '0.1': '1', '0.5': '2', '1': '3', '2': '4', '5': '5', '10': '5', '30': '6', '60': '6', '300': '6', '+Inf': '7' });
    assert.equal(Number(pytest.count), 7);
    assert.ok(Math.abs(Number(pytest.sum) - 426.55) < 1e-9);
    const ruff = histogramSeries(body, 'skill_duration_seconds', 'skill_name="ruff-check",workflow_phase="unknown"');
    assert.equal(Number(ruff.count), 2, 'a run without a duration is not observed');
    assert.equal(ruff.buckets!['0.1'], '0');
    assert.equal(ruff.buckets!['0.5'], '2');
    const other = histogramSeries(body, 'skill_duration_seconds', 'skill_name="other",workflow_phase="verification"');
    assert.equal(Number(other.count), 5);
    assert.equal(Number(other.sum), 2.5);
  });

  test('skill_completion_rate is 0..1 per skill', () => {
    assert.equal(samples(families, 'skill_completion_rate').type, 'GAUGE');
    assert.equal(valueOf(families, 'skill_completion_rate', { skill_name: 'pytest-run' }), 5 / 7);
    assert.equal(valueOf(families, 'skill_completion_rate', { skill_name: 'ruff-check' }), 1);
    assert.equal(valueOf(families, 'skill_completion_rate', { skill_name: QUIRKY }), 0.5);
    assert.equal(valueOf(families, 'skill_completion_rate', { skill_name: 'other' }), 1);
  });

  test('active_sessions_total counts sessions not ended and recently active', () => {
    assert.equal(valueOf(families, 'active_sessions_total'), 2, 's1 and s2; s3 ended, "old" idle for days');
  });

  test('anomalies_detected_total{anomaly_type,skill_name} counts stored anomalies, capped labels too', () => {
    assert.equal(valueOf(families, 'anomalies_detected_total', { anomaly_type: 'drop', skill_name: 'pytest-run' }), 2);
    assert.equal(valueOf(families, 'anomalies_detected_total', { anomaly_type: 'spike', skill_name: 'other' }), 1);
  });

  test('process metrics are included', () => {
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) samples(families, name);
  });

  test('values come from the store at scrape time: new data shows up, and a restarted exporter reports the same', async () => {
    await plant(env.store, [{ skill: 'pytest-run', at: ago.minutes(1), session: 's2', duration: 0.01, phase: 'execution' }]);
    const again = parsePrometheusTextFormat((await request(exporter.url)).body);
    assert.equal(valueOf(again, 'skill_invocations_total', { skill_name: 'pytest-run', workflow_phase: 'execution', completed: 'true' }), 6);

    await env.store.snapshotNow();
    const reopened = await SkillStore.open({ path: env.dbPath, pollMs: 0, mode: 'inspect' });
    try {
      const fresh = await startExporter(reopened, { processMetrics: false });
      const body = (await request(fresh.url)).body;
      const after = parsePrometheusTextFormat(body);
      assert.equal(valueOf(after, 'skill_invocations_total', { skill_name: 'pytest-run', workflow_phase: 'execution', completed: 'true' }), 6);
      assert.equal(valueOf(after, 'anomalies_detected_total', { anomaly_type: 'drop', skill_name: 'pytest-run' }), 2);
      assert.ok(!after.some((f) => f.name.startsWith('process_')), 'process metrics can be turned off');
    } finally {
      await reopened.close({ snapshot: false });
    }
  });
});

describe('Prometheus exporter: access', () => {
  test('an optional bearer token; only GET/HEAD /metrics; DNS-rebinding hosts and foreign origins refused', async () => {
    const exporter = await startExporter(env.store, { token: 'scrape-token-0123456789abcdef' });
    assert.equal((await request(exporter.url)).status, 401);
    assert.equal((await request(exporter.url, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    const ok = await request(exporter.url, { headers: { Authorization: 'Bearer scrape-token-0123456789abcdef' } });
    assert.equal(ok.status, 200);
    assert.ok(parsePrometheusTextFormat(ok.body).some((f) => f.name === 'skill_invocations_total'));
    const base = exporter.url.replace('/metrics', '');
    assert.equal((await request(`${base}/`)).status, 404);
    assert.equal((await request(exporter.url, { method: 'POST' })).status, 405);
    const port = new URL(exporter.url).port;
    assert.equal((await request(exporter.url, { headers: { Host: `rebound.example:${port}` } })).status, 403);
    assert.equal((await request(exporter.url, { headers: { Origin: 'https://evil.example' } })).status, 403);
  });
});

describe('Grafana dashboard (grafana/session-buddy-dashboard.json)', () => {
  test('every metric and label its queries use is one the exporter serves', async () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'grafana', 'session-buddy-dashboard.json'), 'utf8')) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    assert.equal(dashboard.uid, 'session-buddy-skills');
    const exporter = await startExporter(env.store);
    const families = parsePrometheusTextFormat((await request(exporter.url)).body);
    const served = new Set(families.flatMap((f) => (f.type === 'HISTOGRAM' ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name])));
    const labels = new Set(['le', ...families.flatMap((f) => f.metrics.flatMap((m) => Object.keys(m.labels ?? {})))]);
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));
    assert.ok(exprs.length >= 10);
    for (const { panel, expr } of exprs) {
      const withoutLabels = expr.replace(/by \([^)]*\)/g, '').replace(/[a-z_]+\s*=~?\s*"[^"]*"/g, '');
      const metrics = withoutLabels.match(/\b(?:skill_[a-z_]+|active_sessions_total|anomalies_detected_total|process_[a-z_]+)\b/g) ?? [];
      assert.ok(metrics.length > 0, `${panel}: queries a metric`);
      for (const metric of metrics) assert.ok(served.has(metric), `${panel}: ${metric} is exported`);
      const used = [...expr.matchAll(/(?:by \(([^)]*)\))|(?:[{,]\s*([a-z_]+)\s*=~?)/g)].flatMap((m) => (m[1] ?? m[2]).split(',').map((s) => s.trim()));
      for (const label of used) assert.ok(labels.has(label), `${panel}: label ${label} is exported`);
    }
  });
});
