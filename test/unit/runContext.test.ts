import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPendingRun, type RunClock } from '../../src/core/tracking/pendingRun';
import { RECENT_MS, RunContext } from '../../src/core/tracking/runContext';

function fakeTime(start = Date.parse('2026-12-01T10:00:00.000Z')) {
  let now = start;
  const clock: RunClock = { timestamp: () => new Date(now).toISOString(), monotonicMs: () => now };
  return { clock, now: () => now, advance: (ms: number) => (now += ms) };
}

test('recent failures: newest first, forgotten when the skill completes or after half an hour', () => {
  const time = fakeTime();
  const context = new RunContext(time.now);
  context.noteOutcome('pytest-run', false);
  time.advance(60_000);
  context.noteOutcome('ruff-check', false);
  assert.deepEqual(context.recentFailures, ['ruff-check', 'pytest-run']);
  assert.equal(context.lastSkill, 'ruff-check');
  context.noteOutcome('pytest-run', true);
  assert.deepEqual(context.recentFailures, ['ruff-check']);
  time.advance(RECENT_MS + 1);
  assert.deepEqual(context.recentFailures, []);
});

test('a skill chosen from the list is the next run of that skill, within half an hour, once', () => {
  const time = fakeTime();
  const context = new RunContext(time.now);
  const list = ['ruff-check', 'pytest-run', 'mypy-check'];
  context.awaitChoice('pytest-run', { rank: 2, alternatives: list, testId: 7 });
  assert.equal(context.takeChoice('ruff-check'), undefined, 'another skill is not the choice');
  assert.deepEqual(context.takeChoice('pytest-run'), { rank: 2, alternatives: list, testId: 7 });
  assert.equal(context.takeChoice('pytest-run'), undefined, 'only the first run after the click counts');
  context.awaitChoice('lint', { rank: 1, alternatives: ['lint'] });
  time.advance(RECENT_MS + 1);
  assert.equal(context.takeChoice('lint'), undefined, 'too late to be the run chosen');
});

test('a pending run takes its time when it starts and measures its duration once', async () => {
  const time = fakeTime();
  const recorded: unknown[] = [];
  const run = startPendingRun('slow-build', async (finished) => (recorded.push(finished), 1), time.clock);
  time.advance(2_500);
  assert.equal(await run.complete({ completed: false, errorType: 'exit 2' }), 1);
  assert.deepEqual(recorded, [{ invokedAt: '2026-12-01T10:00:00.000Z', durationSeconds: 2.5, completed: false, outcome: { completed: false, errorType: 'exit 2' } }]);
  await assert.rejects(() => run.complete(), /already recorded: it was already completed once/);
  assert.equal(recorded.length, 1);
});
