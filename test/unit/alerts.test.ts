import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredAnomaly } from '../../src/core/analytics/anomalies';
import type { SkillChange } from '../../src/core/analytics/skillChanges';
import { alertSummary, alertsToShow, rememberShown, type Alert } from '../../src/core/dashboard/alertMemory';
import { anomalyAlert, anomalyMessage, openAlerts, regressionAlert } from '../../src/core/dashboard/alerts';
import { plantAnomalies, tempStore } from '../helpers/store';

const anomaly = (id: number, fields: Partial<StoredAnomaly> = {}): StoredAnomaly => ({
  id,
  skill_name: 'ruff-check',
  detected_at: `2026-03-10T0${id}:00:00.000Z`,
  anomaly_type: 'drop',
  baseline_value: 0.95,
  observed_value: 0,
  deviation_score: -4,
  resolved_at: null,
  metric: 'completion_rate',
  ...fields,
});

test('an anomaly says what changed against what, in words and in the units of its measure', () => {
  assert.equal(anomalyMessage(anomaly(1)), 'ruff-check completes less often than usual: 0% against a usual 95% of its recent runs.');
  assert.equal(anomalyMessage(anomaly(2, { skill_name: 'tsc-check', anomaly_type: 'spike', metric: 'duration', baseline_value: 40, observed_value: 130 })),
    'tsc-check takes longer than usual: 2 min 10 s against a usual 40 s in its recent runs.');
  assert.deepEqual(anomalyAlert(anomaly(3)), { key: 'anomaly:3', kind: 'anomaly', skill: 'ruff-check', message: anomalyMessage(anomaly(3)), since: '2026-03-10T03:00:00.000Z' });
});

test('each alert is shown once: what was shown is remembered while it stays open, and a new episode is new', () => {
  const first = anomalyAlert(anomaly(1));
  const second = anomalyAlert(anomaly(2, { skill_name: 'pytest-run' }));
  let memory = { shown: [] as string[] };
  const now = alertsToShow([first], memory);
  assert.deepEqual(now, [first]);
  memory = { shown: [...rememberShown(memory, now, [first]).shown] };
  assert.deepEqual(alertsToShow([first], memory), [], 'not twice');
  assert.deepEqual(alertsToShow([second, first], memory), [second], 'only the new one');
  memory = { shown: [...rememberShown(memory, [second], [second, first]).shown] };
  assert.deepEqual(memory.shown, ['anomaly:2', 'anomaly:1']);
  assert.deepEqual(rememberShown(memory, [], [second]).shown, ['anomaly:2'], 'a resolved episode is forgotten, so the memory stays small');
});

test('one line for several alerts: the newest, and how many more', () => {
  const alerts: Alert[] = [anomalyAlert(anomaly(2)), anomalyAlert(anomaly(1)), anomalyAlert(anomaly(3))];
  assert.equal(alertSummary(alerts.slice(0, 1)), alerts[0].message);
  assert.equal(alertSummary(alerts), `${alerts[0].message} (and 2 more alerts)`);
  assert.equal(alertSummary([]), '');
});

test("the store's open anomalies are its alerts, newest first; resolved ones are not", async () => {
  const ctx = await tempStore();
  try {
    await plantAnomalies(ctx.store, [
      { id: 1, skill: 'pytest-run', at: '2026-03-10T09:00:00.000Z' },
      { id: 2, skill: 'ruff-check', at: '2026-03-10T10:00:00.000Z', type: 'spike', resolvedAt: '2026-03-10T11:00:00.000Z' },
      { id: 3, skill: 'tsc-check', at: '2026-03-10T12:00:00.000Z', type: 'spike' },
    ]);
    assert.deepEqual(openAlerts(ctx.store).map((a) => a.key), ['anomaly:3', 'anomaly:1']);
  } finally {
    await ctx.close();
  }
});

/** pytest-run's open slowdown from `start` (run `run`), 30 s → 48 s. */
const slowdown = (start: string, run: number): SkillChange => ({
  skill_name: 'pytest-run',
  metric: 'duration',
  segment: 1,
  started_at: start,
  ended_at: '2026-03-10T09:00:00.000Z',
  start_run_id: run,
  start_run_number: run,
  points: 40,
  level: 48,
  previous_level: 30,
  ratio: 1.6,
  direction: 'slower',
  regression: true,
  open: true,
  through_at: '2026-03-10T09:00:00.000Z',
  computed_at: '2026-03-10T10:00:00.000Z',
  change: '1.6× slower (30 s → 48 s)',
});

test('an open regression is an alert with its size and its start', () => {
  const alert = regressionAlert(slowdown('2026-03-03T14:02:00.000Z', 201), '2026-01-01T09:00:00.000Z');
  assert.equal(alert.kind, 'regression');
  assert.equal(alert.since, '2026-03-03T14:02:00.000Z');
  assert.match(alert.message, /^pytest-run: 1\.6× slower \(30 s → 48 s\) since .*Mar.* \(run 201\)\.$/);
});

test('a regression whose change point moved when the history was refitted is the same episode; a new change on top of it is a new one', () => {
  const before = '2026-01-01T09:00:00.000Z';
  const first = regressionAlert(slowdown('2026-03-03T14:02:00.000Z', 201), before);
  let memory = rememberShown({ shown: [] }, [first], [first]);
  const moved = regressionAlert(slowdown('2026-03-03T11:00:00.000Z', 199), before);
  assert.deepEqual(alertsToShow([moved], memory), [], 'two runs earlier after a refit: not said again');
  memory = rememberShown(memory, [], [moved]);
  const movedAgain = regressionAlert(slowdown('2026-03-03T15:00:00.000Z', 202), before);
  assert.deepEqual(alertsToShow([movedAgain], memory), [], 'the memory follows the episode, not its first key');
  const onTop = regressionAlert({ ...slowdown('2026-03-08T09:00:00.000Z', 230), segment: 2, previous_level: 48, level: 80, change: '1.7× slower (48 s → 80 s)' }, '2026-03-03T15:00:00.000Z');
  assert.deepEqual(alertsToShow([onTop], memory), [onTop], 'slower again: a new segment after the shown one, said');
});

test('anomalies and regressions together: the newest first, each shown once', () => {
  const anomalyAlerted = anomalyAlert(anomaly(1));
  const regression = regressionAlert(slowdown('2026-03-10T05:00:00.000Z', 201), undefined);
  const memory = rememberShown({ shown: [] }, [anomalyAlerted], [anomalyAlerted]);
  assert.deepEqual(alertsToShow([regression, anomalyAlerted], memory), [regression]);
  assert.deepEqual(rememberShown(memory, [regression], [regression, anomalyAlerted]).shown, [regression.key, anomalyAlerted.key]);
});
