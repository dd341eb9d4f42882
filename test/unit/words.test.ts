import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeStartWords, formatMoment, metricWords } from '../../src/shared/changeWords';
import { formatDuration, formatPercent, plural, pluralOf } from '../../src/shared/words';

test('one plural rule: -y after a consonant, sibilants, irregulars given', () => {
  assert.deepEqual(['run', 'anomaly', 'day', 'batch', 'file', 'dependency', 'retry', 'skill', 'process'].map(pluralOf),
    ['runs', 'anomalies', 'days', 'batches', 'files', 'dependencies', 'retries', 'skills', 'processes']);
  assert.deepEqual([plural(0, 'run'), plural(1, 'run'), plural(2, 'anomaly'), plural(1, 'anomaly'), plural(3, 'person', 'people')],
    ['0 runs', '1 run', '2 anomalies', '1 anomaly', '3 people']);
});

test('one duration format: the largest readable unit, one step below it while it matters', () => {
  const cases: [number | null, string][] = [
    [null, '–'], [0, '0 s'], [0.04, '0 s'], [0.4, '0.4 s'], [4.25, '4.3 s'], [9.96, '10 s'], [42.4, '42 s'],
    [59.6, '1 min'], [116, '1 min 56 s'], [120, '2 min'], [599.6, '10 min'], [725, '12 min'], [3599.7, '1 h'],
    [3900, '1 h 5 min'], [7200, '2 h'], [36_000, '10 h'], [93_600, '26 h'],
  ];
  assert.deepEqual(cases.map(([s]) => formatDuration(s)), cases.map(([, text]) => text));
});

test('percentages are whole, and no rate is a dash', () => {
  assert.deepEqual([formatPercent(null), formatPercent(0), formatPercent(0.666), formatPercent(1)], ['–', '0%', '67%', '100%']);
});

test("a change's start: the moment in the reader's time with its run; a runs-per-day change is its UTC day", () => {
  const now = new Date('2026-03-10T12:00:00.000Z');
  const noon = changeStartWords({ metric: 'duration', startedAt: '2026-03-03T12:00:00.000Z', startRun: 412 }, now);
  assert.match(noon, /Mar.*\(run 412\)$/);
  assert.ok(noon.includes(String(new Date('2026-03-03T12:00:00.000Z').getDate())), noon);
  assert.doesNotMatch(noon, /2026/, 'this year goes without saying');
  assert.match(formatMoment('2025-03-03T12:00:00.000Z', 'duration', now), /2025/, 'another year is said');
  assert.match(changeStartWords({ metric: 'runs', startedAt: '2026-03-02T00:00:00.000Z', startRun: null }, now), /^Mon.*Mar.*2$/, 'the UTC day, without a time, in every time zone');
  assert.deepEqual((['duration', 'failure_rate', 'runs'] as const).map((m) => metricWords(m)), ['duration', 'failure rate', 'runs per day']);
});
