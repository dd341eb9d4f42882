import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { seededRandom } from '../../src/core/analytics/seededRandom';
import { fitChanges } from '../../src/core/analytics/analyticsJobs';
import { ColumnShelf } from '../../src/core/analytics/columnShelf';
import { SkillChangeTracker } from '../../src/core/analytics/skillChangeTracker';
import { storedSkillChanges } from '../../src/core/analytics/skillChanges';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';

type Env = Awaited<ReturnType<typeof tempStore>>;
const HOUR_MS = 3_600_000;

/** `count` completed runs of `skill` an hour apart from `start`, `seconds` long (±5 %). */
function runs(skill: string, start: number, count: number, seconds: number, seed: number): PlantedInvocation[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({ skill, at: new Date(start + i * HOUR_MS), duration: seconds * (1 + 0.1 * (random() - 0.5)) }));
}

describe('SkillChangeTracker: new runs appended to a fitted history', () => {
  let env: Env;
  let tracker: SkillChangeTracker;
  /** 600 steady runs ending 100 hours ago; the new ones follow. */
  const start = Date.now() - 700 * HOUR_MS;
  before(async () => {
    env = await tempStore();
    tracker = new SkillChangeTracker(new ColumnShelf(env.store.paths.historyDir));
    await plant(env.store, runs('pytest-run', start, 600, 20, 1));
    const full = fitChanges(env.store, { kind: 'changes', shelf: tracker.writerPrefix() });
    await env.store.commit(full.events);
    assert.deepEqual(full.summary.found, []);
    tracker.adopt(full.summary.shelved);
  });
  after(() => env.close());

  it('takes over the fitted state; with nothing new it writes nothing', async () => {
    assert.deepEqual(tracker.skills, ['pytest-run']);
    const before = storedSkillChanges(env.store);
    assert.deepEqual(await tracker.update(env.store), []);
    assert.deepEqual(storedSkillChanges(env.store), before, 'the history the full fit stored is not written again');
  });

  it('finds a slowdown among runs recorded after the fit, at its run, once, without a full fit', async () => {
    await plant(env.store, runs('pytest-run', start + 600 * HOUR_MS, 40, 30, 2));
    const found = await tracker.update(env.store);
    assert.deepEqual(found.map((r) => [r.skill_name, r.metric, r.start_run_number]), [['pytest-run', 'duration', 601]]);
    assert.match(found[0].change, /^1\.5× slower/);
    assert.deepEqual(tracker.stale(), [], '640 runs: no refit before twice the fitted 600');
    const stored = storedSkillChanges(env.store).filter((s) => s.metric === 'duration');
    assert.deepEqual(stored.map((s) => [s.segment, s.start_run_number, s.open]), [[0, 1, false], [1, 601, true]]);
    await plant(env.store, runs('pytest-run', start + 640 * HOUR_MS, 5, 30, 3));
    assert.deepEqual(await tracker.update(env.store), [], 'a regression is found once');
  });

  it('a history that is no longer the runs so far plus new ones goes back to a full fit', async () => {
    await plant(env.store, [{ skill: 'pytest-run', at: new Date(start - HOUR_MS), duration: 20 }]);
    await tracker.update(env.store);
    assert.deepEqual(tracker.skills, []);
    assert.deepEqual(tracker.stale(), ['pytest-run']);
    const refit = fitChanges(env.store, { kind: 'changes', refit: tracker.stale(), shelf: tracker.writerPrefix() });
    assert.deepEqual(refit.summary.skills, ['pytest-run']);
    tracker.adopt(refit.summary.shelved);
    assert.deepEqual([tracker.skills, tracker.stale()], [['pytest-run'], []]);
  });

  it('keeps the fitted state in files between updates; a state whose files are gone goes back to a full fit', async () => {
    const [folder] = fs.readdirSync(env.store.paths.historyDir);
    assert.match(folder, new RegExp(`^${process.pid}-`), 'one folder, named for this process');
    fs.rmSync(env.store.paths.historyDir, { recursive: true });
    await plant(env.store, runs('pytest-run', start + 645 * HOUR_MS, 1, 30, 4));
    assert.deepEqual(await tracker.update(env.store), []);
    assert.deepEqual([tracker.skills, tracker.stale()], [[], ['pytest-run']]);
  });
});
