import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { all } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { runCliInProcess } from '../helpers/cli';
import { ago, plant, tempDir, type PlantedInvocation } from '../helpers/store';

/** The real program, in process. */
const run = runCliInProcess;

describe('monitoring CLI commands', () => {
  let dbPath: string;
  let cleanup: () => void;
  before(async () => {
    const dir = tempDir();
    cleanup = dir.cleanup;
    dbPath = path.join(dir.dir, 'skills.db');
    const store = await SkillStore.open({ path: dbPath, pollMs: 0 });
    const rows: PlantedInvocation[] = [
      // gate: 20 completed in the baseline window, then 4 failures in the last hour.
      ...Array.from({ length: 20 }, (_, i) => ({ skill: 'gate', at: ago.hours(2 + i), completed: true })),
      ...Array.from({ length: 4 }, (_, i) => ({ skill: 'gate', at: ago.minutes(5 + i * 10), completed: false })),
      { skill: 'lint', at: ago.minutes(3), completed: true, duration: 4 },
      { skill: 'lint', at: ago.days(400), completed: true, duration: 4 },
    ];
    await plant(store, rows);
    await store.close({ snapshot: false });
  });
  after(() => cleanup());

  it('realtime --json lists the last hour, busiest first', async () => {
    const r = await run(dbPath, ['realtime', '--json']);
    assert.equal(r.code, 0, r.err);
    const parsed = JSON.parse(r.out) as { skills: { skill_name: string; invocation_count: number; completion_rate: number }[] };
    assert.deepEqual(
      parsed.skills.map((s) => [s.skill_name, s.invocation_count, s.completion_rate]),
      [
        ['gate', 4, 0],
        ['lint', 1, 1],
      ],
    );
  });

  it('anomalies detects, stores once, and prints', async () => {
    const first = await run(dbPath, ['anomalies', '--json']);
    assert.equal(first.code, 0, first.err);
    const parsed = JSON.parse(first.out) as { anomalies: { skill_name: string; anomaly_type: string }[] };
    assert.deepEqual(parsed.anomalies.map((a) => [a.skill_name, a.anomaly_type]), [['gate', 'drop']]);
    assert.equal((await run(dbPath, ['anomalies'])).code, 0);
    const store = await SkillStore.open({ path: dbPath, pollMs: 0, mode: 'inspect' });
    try {
      assert.equal(all(store.db, 'SELECT id FROM skill_anomalies').length, 1);
    } finally {
      await store.close({ snapshot: false });
    }
  });

  it('trend prints JSON, and an invalid metric is a usage error', async () => {
    const ok = await run(dbPath, ['trend', '--skill', 'gate', '--json']);
    assert.equal(ok.code, 0, ok.err);
    assert.equal((JSON.parse(ok.out) as { trend: string }).trend, 'insufficient_data');
    const bad = await run(dbPath, ['trend', '--skill', 'gate', '--metric', 'success']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /completion_rate/);
    assert.equal((await run(dbPath, ['trend'])).code, 2, '--skill is required');
  });

  it('backfill reports progress on stderr', async () => {
    const r = await run(dbPath, ['backfill', '--days', '2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /backfill: 1\/2 skills\nbackfill: 2\/2 skills\n/);
    assert.match(r.out, /Hourly buckets: \d+ in the last 2 days, 0 rows written/);
  });

  it('retention rolls old invocations up', async () => {
    const r = await run(dbPath, ['retention', '--days', '365']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /removed 1 invocation /);
  });

  it('rejects bad numbers as usage errors', async () => {
    assert.equal((await run(dbPath, ['realtime', '--limit', '0'])).code, 2);
    assert.equal((await run(dbPath, ['realtime', '--window-hours', 'abc'])).code, 2);
    assert.equal((await run(dbPath, ['anomalies', '--recent-hours', '30'])).code, 2);
    assert.equal((await run(dbPath, ['retention', '--days', '0'])).code, 2);
  });
});
