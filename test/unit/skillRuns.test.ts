import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SkillRuns, type SkillRun } from '../../src/core/analytics/skillRuns';

/** Stored texts as they occur: the canonical form, and what other tools wrote (space, no millis, microseconds, offsets). */
const TEXTS = ['2026-03-01T09:15:02.120Z', '2026-03-01 09:16:00', '2026-03-01T09:17:00Z', '2026-03-01T09:18:00.123456Z', '2026-03-01T10:19:00+01:00', 'not a time'];

function runsOf(count: number): SkillRun[] {
  return Array.from({ length: count }, (_, i) => ({
    id: 2 ** 40 + i,
    invoked_at: i < TEXTS.length ? TEXTS[i] : new Date(Date.UTC(2026, 2, 2) + i * 61_001).toISOString(),
    completed: i % 3 === 0 ? 0 : 1,
    duration_seconds: i % 5 === 0 ? null : i * 0.37,
  }));
}

function readBack(columns: SkillRuns): SkillRun[] {
  return Array.from({ length: columns.length }, (_, i) => columns.run(i));
}

describe('SkillRuns', () => {
  it('gives back every run exactly as stored, whatever form its timestamp has', () => {
    const runs = runsOf(500);
    const columns = SkillRuns.of(runs);
    assert.deepEqual(readBack(columns), runs);
    assert.equal(columns.lastInvokedAt, runs[499].invoked_at);
    assert.equal(columns.duration(5), null);
    assert.equal(columns.invokedAt(1), '2026-03-01 09:16:00');
  });

  it('carries on across a structured clone, as from the worker thread', () => {
    const runs = runsOf(300);
    const restored = SkillRuns.restore(structuredClone(SkillRuns.of(runs.slice(0, 200)).state()));
    for (const run of runs.slice(200)) restored.push(run);
    assert.deepEqual(readBack(restored), runs);
  });

  it('has no last timestamp without runs', () => {
    assert.equal(SkillRuns.of([]).lastInvokedAt, '');
  });
});
