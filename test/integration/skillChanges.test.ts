import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getSkillChanges, refreshSkillChanges, skillChangeReport, storedSkillChanges, type SkillChange } from '../../src/core/analytics/skillChanges';
import { all } from '../../src/core/store/statements';
import { tempStore } from '../helpers/store';
import { PLANTED, daysAgoMidnight, seedRegressionStore } from './skillChanges-seed';

type Env = Awaited<ReturnType<typeof tempStore>>;

function changeOf(changes: SkillChange[], skill: string): SkillChange {
  const found = changes.filter((c) => c.skill_name === skill);
  assert.equal(found.length, 1, `${skill}: ${JSON.stringify(found.map((c) => c.change))}`);
  return found[0];
}

describe('regression history of a store with planted changes', () => {
  let env: Env;
  before(async () => {
    env = await tempStore();
    await seedRegressionStore(env.store);
  });
  after(() => env.close());

  it('without writing: each planted change at its run or day, with its size; the steady skill has none; nothing stored', async () => {
    const report = await skillChangeReport(env.store, { write: false });
    assert.equal(storedSkillChanges(env.store).length, 0, 'a read writes nothing');
    assert.deepEqual(report.changes.map((c) => `${c.skill_name}/${c.metric}`).sort(), ['git-commit/runs', 'pytest-run/duration', 'ruff-check/failure_rate']);

    const slow = changeOf(report.changes, PLANTED.slowdown.skill);
    assert.equal(slow.start_run_number, PLANTED.slowdown.firstSlowRun);
    assert.equal(slow.direction, 'slower');
    assert.equal(slow.regression, true);
    assert.equal(slow.open, true);
    assert.ok(Math.abs((slow.ratio as number) - PLANTED.slowdown.after / PLANTED.slowdown.before) < 0.05, `${slow.ratio}`);
    assert.match(slow.change, /^1\.6× slower \(3\d s → 4\d s\)$/);

    const failing = changeOf(report.changes, PLANTED.failures.skill);
    assert.ok(Math.abs((failing.start_run_number as number) - PLANTED.failures.firstRun) <= 5, `${failing.start_run_number}`);
    assert.ok(Math.abs((failing.previous_level as number) - PLANTED.failures.before) < 0.01);
    assert.ok(Math.abs((failing.level as number) - PLANTED.failures.after) < 0.02);
    assert.equal(failing.change, 'failure rate 4% → 31%');
    assert.equal(failing.regression, true);

    const drop = changeOf(report.changes, PLANTED.dropInUse.skill);
    assert.equal(drop.metric, 'runs');
    assert.equal(drop.started_at, daysAgoMidnight(PLANTED.dropInUse.daysAgo));
    assert.equal(drop.change, 'runs per day 10.0 → 2.0');
    assert.equal(drop.direction, 'fewer_runs');
    assert.equal(drop.regression, false, 'a drop in use is a change, not a regression');

    assert.deepEqual(report.open_regressions.map((c) => c.skill_name).sort(), ['pytest-run', 'ruff-check']);
    const steady = report.segments.filter((s) => s.skill_name === PLANTED.steady.skill);
    assert.deepEqual(steady.map((s) => [s.metric, s.segment, s.open]), [['duration', 0, true], ['failure_rate', 0, true], ['runs', 0, true]]);
    assert.ok(Math.abs((steady[1].level as number) - 0.1) < 0.01);
    assert.equal(steady[2].level, 3);
  });

  it('a refresh stores every segment, finds each open regression once, and does not recompute what is current', async () => {
    const first = await refreshSkillChanges(env.store);
    assert.equal(first.skills.length, 4);
    assert.deepEqual(first.found.map((c) => c.skill_name).sort(), ['pytest-run', 'ruff-check']);
    const rows = all<{ skill_name: string; metric: string; segment: number; open: number }>(env.store.db, 'SELECT skill_name, metric, segment, open FROM skill_changes ORDER BY 1, 2, 3');
    assert.equal(rows.length, 12 + 3, 'one segment per metric of 4 skills, one more per planted change');
    assert.equal(rows.filter((r) => r.open === 1).length, 12, 'the latest segment of every metric is open');

    assert.deepEqual(getSkillChanges(env.store).changes.map((c) => c.skill_name).sort(), ['git-commit', 'pytest-run', 'ruff-check'], 'the stored report, read without a fit');
    const again = await refreshSkillChanges(env.store);
    assert.deepEqual([again.skills, again.events], [[], []], 'current histories are not recomputed');
    const forced = await refreshSkillChanges(env.store, { force: true });
    assert.equal(forced.skills.length, 4);
    assert.deepEqual(forced.found, [], 'a regression already stored is not found again');
  });

  it('a window of days keeps the changes that began in it; the stored report filters by skill and metric', async () => {
    const recent = await skillChangeReport(env.store, { write: false, days: 20 });
    assert.deepEqual(recent.changes, [], 'every planted change began more than 20 days ago');
    assert.ok(recent.segments.every((s) => s.open), 'only the segments still going on reach into the last 20 days');
    const one = await skillChangeReport(env.store, { write: false, skill: 'ruff-check', metric: 'failure_rate' });
    assert.deepEqual(one.changes.map((c) => c.skill_name), ['ruff-check']);
    assert.deepEqual(one.segments.map((s) => s.segment), [0, 1]);
  });
});
