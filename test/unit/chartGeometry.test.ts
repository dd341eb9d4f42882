import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DayPoint } from '../../src/core/dashboard/dashboardData';
import { chartGeometry } from '../../src/webview/chartGeometry';

const size = { width: 100, height: 60, axis: 10 };
const day = (i: number, invocations: number, completionRate: number | null): DayPoint => ({ date: `2026-03-${String(i + 1).padStart(2, '0')}`, invocations, completionRate });

test('bars scale to the busiest day and stand on the axis', () => {
  const g = chartGeometry([day(0, 2, 1), day(1, 4, 0.5), day(2, 0, null), day(3, 1, 0)], size);
  const plot = size.height - size.axis;
  assert.equal(g.maxInvocations, 4);
  assert.equal(g.bars[1].height, plot, 'the busiest day fills the plot');
  assert.equal(g.bars[0].height, plot / 2);
  assert.equal(g.bars[2].height, 0);
  for (const b of g.bars) assert.equal(Math.round((b.y + b.height) * 10) / 10, plot);
  assert.ok(g.bars.every((b, i) => i === 0 || b.x > g.bars[i - 1].x), 'left to right by day');
  assert.ok(g.bars.every((b) => b.x >= 0 && b.x + b.width <= size.width));
});

test('the completion line breaks on days without runs, and 100% is at the top', () => {
  const g = chartGeometry([day(0, 1, 1), day(1, 1, 0.5), day(2, 0, null), day(3, 1, 0), day(4, 2, 0.5)], size);
  assert.equal(g.lines.length, 2, 'two runs of consecutive days');
  assert.equal(g.dots.length, 4);
  assert.equal(g.dots[0].y, 0);
  assert.equal(g.dots[2].y, size.height - size.axis, '0% is on the axis');
});

test('a single day with a rate is a dot without a line; no data draws nothing', () => {
  const one = chartGeometry([day(0, 0, null), day(1, 3, 1), day(2, 0, null)], size);
  assert.deepEqual([one.lines.length, one.dots.length], [0, 1]);
  const none = chartGeometry([], size);
  assert.deepEqual([none.bars.length, none.lines.length, none.dots.length, none.maxInvocations], [0, 0, 0, 0]);
});
