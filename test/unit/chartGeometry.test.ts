import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DayPoint } from '../../src/core/dashboard/dashboardData';
import { chartGeometry, chartSize, offsetX, shortDate, trendGeometry, valueAxis, type ChartSize } from '../../src/webview/chartGeometry';

const size: ChartSize = { width: 240, height: 80, left: 20, right: 20, top: 10, bottom: 20 };
const plotBottom = size.height - size.bottom;
const plotHeight = size.height - size.top - size.bottom;
const day = (i: number, invocations: number, completionRate: number | null, timeSpentSeconds = 0): DayPoint => ({
  date: `2026-03-${String(i + 1).padStart(2, '0')}`,
  invocations,
  completed: completionRate === null ? 0 : Math.round(completionRate * invocations),
  completionRate,
  timeSpentSeconds,
});

test('bars stand on the axis and scale to its top; the axis is 0 to the top in whole steps', () => {
  const g = chartGeometry([day(0, 2, 1), day(1, 4, 0.5), day(2, 0, null), day(3, 1, 0)], size);
  assert.equal(g.max, 4);
  assert.deepEqual(g.valueTicks.map((t) => t.text), ['0', '1', '2', '3', '4']);
  assert.deepEqual(g.valueTicks.map((t) => t.y), [plotBottom, plotBottom - plotHeight / 4, plotBottom - plotHeight / 2, plotBottom - (3 * plotHeight) / 4, size.top]);
  assert.equal(g.bars[1].height, plotHeight);
  assert.equal(g.bars[2].height, 0);
  for (const b of g.bars) assert.equal(Math.round((b.y + b.height) * 10) / 10, plotBottom);
  assert.ok(g.bars.every((b, i) => i === 0 || b.x > g.bars[i - 1].x), 'left to right by day');
  assert.ok(g.bars.every((b) => b.x >= size.left && b.x + b.width <= size.width - size.right), 'inside the plot');
});

test('a count axis has whole numbers only (no "12.5 runs"), at most four steps, and reaches the busiest day', () => {
  for (const max of [0, 1, 3, 7, 11, 24, 25, 26, 99, 140, 1234]) {
    const axis = valueAxis(max, 'count');
    assert.ok(axis.values.every(Number.isInteger), `${max}: ${axis.values.join(', ')}`);
    assert.ok(axis.values.length >= 2 && axis.values.length <= 5, `${max}: ${axis.values.length} ticks`);
    assert.ok(axis.top >= max && axis.values.at(-1) === axis.top);
  }
  assert.deepEqual(valueAxis(25, 'count').values, [0, 10, 20, 30]);
  assert.deepEqual(valueAxis(0, 'count').values, [0, 1]);
});

test('a duration axis steps in whole seconds, minutes or hours, written as durations', () => {
  assert.deepEqual(valueAxis(116, 'duration').values.map(valueAxis(116, 'duration').text), ['0 s', '1 min', '2 min']);
  assert.deepEqual(valueAxis(40, 'duration').values.map(valueAxis(40, 'duration').text), ['0 s', '10 s', '20 s', '30 s', '40 s']);
  const hours = valueAxis(5 * 3600 + 10, 'duration');
  assert.deepEqual(hours.values.map(hours.text), ['0 s', '2 h', '4 h', '6 h']);
});

test('charts that share a scale: one run is a short bar next to a busy skill, not a full-height one', () => {
  const quiet = chartGeometry([day(0, 1, 1)], size, { max: 40 });
  assert.equal(quiet.max, 40);
  assert.equal(quiet.bars[0].height, Math.round((plotHeight / 40) * 10) / 10);
});

test('bars of time spent use the durations; every day has a date, or every k-th day when they would touch', () => {
  const g = chartGeometry([day(0, 2, 1, 30), day(1, 1, 1, 90)], size, { value: (d) => d.timeSpentSeconds, kind: 'duration' });
  assert.equal(g.max, 120);
  assert.deepEqual(g.bars.map((b) => b.value), [30, 90]);
  assert.deepEqual(g.xLabels.map((l) => l.text), ['Mar 1', 'Mar 2']);
  const month = chartGeometry(Array.from({ length: 28 }, (_, i) => day(i, 1, 1)), chartSize(600, 140, { rateAxis: true }));
  const texts = month.xLabels.map((l) => l.text);
  assert.equal(texts.at(-1), 'Mar 28', 'today is always labelled');
  assert.ok(texts.length >= 4 && texts.length < 28, `several dates, not all 28 (${texts.join(', ')})`);
  const xs = month.xLabels.map((l) => l.x);
  assert.ok(xs.every((x, i) => i === 0 || x - xs[i - 1] >= 40), 'labels apart');
});

test('the completion line breaks on days without runs, and 100% is at the top', () => {
  const g = chartGeometry([day(0, 1, 1), day(1, 1, 0.5), day(2, 0, null), day(3, 1, 0), day(4, 2, 0.5)], size);
  assert.equal(g.lines.length, 2, 'two runs of consecutive days');
  assert.equal(g.dots.length, 4);
  assert.equal(g.dots[0].y, size.top);
  assert.equal(g.dots[2].y, plotBottom, '0% is on the axis');
  assert.deepEqual(g.rateTicks.map((t) => [t.text, t.y]), [['0%', plotBottom], ['50%', plotBottom - plotHeight / 2], ['100%', size.top]]);
});

test('a single day with a rate is a dot without a line; no data draws no bar', () => {
  const one = chartGeometry([day(0, 0, null), day(1, 3, 1), day(2, 0, null)], size);
  assert.deepEqual([one.lines.length, one.dots.length], [0, 1]);
  const none = chartGeometry([], size);
  assert.deepEqual([none.bars.length, none.lines.length, none.dots.length, none.xLabels.length], [0, 0, 0, 0]);
});

test('dates read as "Mar 1"', () => {
  assert.deepEqual(['2026-01-31', '2026-03-01', '2026-12-09'].map(shortDate), ['Jan 31', 'Mar 1', 'Dec 9']);
});

test('a trend chart: a dot per day with runs, dated, and the fitted line between the first and the last', () => {
  const now = new Date(2026, 2, 10, 12, 0, 0);
  const g = trendGeometry({ points: [{ x: 0, y: 1 }, { x: 2, y: 0.5 }, { x: 3, y: 0 }], span: 4, fit: { intercept: 1, slope: -0.25 } }, size, now);
  assert.deepEqual(g.dots.map((d) => [d.value, d.daysAgo, d.date]), [[1, 3, '2026-03-07'], [0.5, 1, '2026-03-09'], [0, 0, '2026-03-10']]);
  assert.deepEqual(g.dots.map((d) => d.y), [size.top, size.top + plotHeight / 2, plotBottom]);
  assert.equal(g.fit, `${g.dots[0].x},${size.top} ${g.dots[2].x},${size.top + plotHeight * 0.75}`);
  assert.deepEqual(g.xLabels.map((l) => l.text).at(-1), 'Mar 10', 'the last period ends today');
  assert.equal(trendGeometry({ points: [{ x: 0, y: 1 }], span: 1, fit: null }, size, now).fit, null);
});

test('a change point stands where it began: between the bars of the days around it, and inside the plot', () => {
  const days = [day(0, 2, 1), day(1, 4, 0.5), day(2, 1, 1), day(3, 1, 0)];
  const g = chartGeometry(days, size);
  const slot = g.plot.width / days.length;
  assert.equal(offsetX(2, days.length, g.plot), g.plot.x + 2 * slot, 'midnight: the boundary of its day');
  assert.ok(offsetX(2.5, days.length, g.plot) > g.bars[2].x && offsetX(2.5, days.length, g.plot) < g.bars[2].x + g.bars[2].width, 'noon: in its day');
  assert.ok(offsetX(1.999, days.length, g.plot) >= g.bars[1].x + g.bars[1].width, 'just before midnight: after the day before');
  assert.equal(offsetX(-1, days.length, g.plot), g.plot.x);
  assert.equal(offsetX(9, days.length, g.plot), g.plot.x + g.plot.width);
});
