import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DayPoint } from '../../src/core/dashboard/dashboardData';
import { chartGeometry, niceCeiling, trendGeometry } from '../../src/webview/chartGeometry';

const size = { width: 120, height: 60, left: 10, right: 10, bottom: 10 };
const plotHeight = size.height - size.bottom;
const day = (i: number, invocations: number, completionRate: number | null, timeSpentSeconds = 0): DayPoint => ({
  date: `2026-03-${String(i + 1).padStart(2, '0')}`,
  invocations,
  completed: completionRate === null ? 0 : Math.round(completionRate * invocations),
  completionRate,
  timeSpentSeconds,
});

test('bars scale to a round top of the value axis and stand on the axis; the axis is labelled 0, half, top', () => {
  const g = chartGeometry([day(0, 2, 1), day(1, 4, 0.5), day(2, 0, null), day(3, 1, 0)], { size });
  assert.equal(g.max, 5, 'the busiest day (4) rounds up to 5');
  assert.deepEqual(g.valueTicks.map((t) => t.value), [0, 2.5, 5]);
  assert.deepEqual(g.valueTicks.map((t) => t.y), [plotHeight, plotHeight / 2, 0]);
  assert.equal(g.bars[1].height, (4 / 5) * plotHeight);
  assert.equal(g.bars[2].height, 0);
  for (const b of g.bars) assert.equal(Math.round((b.y + b.height) * 10) / 10, plotHeight);
  assert.ok(g.bars.every((b, i) => i === 0 || b.x > g.bars[i - 1].x), 'left to right by day');
  assert.ok(g.bars.every((b) => b.x >= size.left && b.x + b.width <= size.width - size.right), 'inside the plot');
});

test('charts that share a scale: one run is a short bar next to a busy skill, not a full-height one', () => {
  const quiet = chartGeometry([day(0, 1, 1)], { size, max: 40 });
  assert.equal(quiet.max, 50);
  assert.equal(quiet.bars[0].height, plotHeight / 50);
});

test('bars of time spent use the durations; days are labelled (every day of a week, else first/middle/last)', () => {
  const g = chartGeometry([day(0, 2, 1, 30), day(1, 1, 1, 90)], { size, value: (d) => d.timeSpentSeconds });
  assert.equal(g.max, 100);
  assert.deepEqual(g.bars.map((b) => b.value), [30, 90]);
  assert.deepEqual(g.xLabels.map((l) => l.text), ['03-01', '03-02']);
  const month = chartGeometry(Array.from({ length: 30 }, (_, i) => day(i % 28, 1, 1)), { size });
  assert.deepEqual(month.xLabels.map((l) => [l.text, l.anchor]), [['03-01', 'start'], ['03-15', 'middle'], ['03-02', 'end']]);
});

test('the completion line breaks on days without runs, and 100% is at the top', () => {
  const g = chartGeometry([day(0, 1, 1), day(1, 1, 0.5), day(2, 0, null), day(3, 1, 0), day(4, 2, 0.5)], { size });
  assert.equal(g.lines.length, 2, 'two runs of consecutive days');
  assert.equal(g.dots.length, 4);
  assert.equal(g.dots[0].y, 0);
  assert.equal(g.dots[2].y, plotHeight, '0% is on the axis');
});

test('a single day with a rate is a dot without a line; no data draws nothing', () => {
  const one = chartGeometry([day(0, 0, null), day(1, 3, 1), day(2, 0, null)], { size });
  assert.deepEqual([one.lines.length, one.dots.length], [0, 1]);
  const none = chartGeometry([], { size });
  assert.deepEqual([none.bars.length, none.lines.length, none.dots.length, none.max], [0, 0, 0, 0]);
});

test('round axis tops', () => {
  assert.deepEqual([0, 1, 3, 4, 7, 11, 24, 26, 99, 140].map(niceCeiling), [0, 1, 5, 5, 10, 20, 25, 50, 100, 200]);
});

test('a trend chart: a dot per day with runs and the fitted line between the first and the last', () => {
  const g = trendGeometry({ points: [{ x: 0, y: 1 }, { x: 2, y: 0.5 }, { x: 3, y: 0 }], span: 4, fit: { intercept: 1, slope: -0.25 } }, size);
  assert.deepEqual(g.dots.map((d) => [d.value, d.daysAgo]), [[1, 3], [0.5, 1], [0, 0]]);
  assert.deepEqual(g.dots.map((d) => d.y), [0, plotHeight / 2, plotHeight]);
  assert.equal(g.fit, `${g.dots[0].x},0 ${g.dots[2].x},${plotHeight * 0.75}`);
  assert.equal(trendGeometry({ points: [{ x: 0, y: 1 }], span: 1, fit: null }, size).fit, null);
});
