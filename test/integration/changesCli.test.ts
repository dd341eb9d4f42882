import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SkillStore } from '../../src/core/store/store';
import { all } from '../../src/core/store/statements';
import { runTool } from '../../src/core/tools/agentTools';
import type { ToolContext } from '../../src/core/tools/tool';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/store';
import { PLANTED, daysAgoMidnight, seedRegressionStore } from './skillChanges-seed';

interface Change {
  skill_name: string;
  metric: string;
  change: string;
  started_at: string;
  start_run_number: number | null;
  previous_level: number;
  level: number;
  ratio: number | null;
  regression: boolean;
  open: boolean;
}

const scratch = tempDir('sb-changes-');
const db = path.join(scratch.dir, 'skills.db');
after(() => scratch.cleanup());

before(async () => {
  const store = await SkillStore.open({ path: db, pollMs: 0 });
  await seedRegressionStore(store);
  await store.close();
});

/** The three planted changes, each at its run or day with its size; nothing else. */
function assertPlanted(changes: Change[]): void {
  const bySkill = new Map(changes.map((c) => [c.skill_name, c]));
  assert.deepEqual([...bySkill.keys()].sort(), ['git-commit', 'pytest-run', 'ruff-check'], JSON.stringify(changes.map((c) => c.change)));
  const slow = bySkill.get(PLANTED.slowdown.skill)!;
  assert.deepEqual([slow.metric, slow.start_run_number, slow.regression, slow.open], ['duration', PLANTED.slowdown.firstSlowRun, true, true]);
  assert.match(slow.change, /^1\.6× slower/);
  const failing = bySkill.get(PLANTED.failures.skill)!;
  assert.equal(failing.metric, 'failure_rate');
  assert.ok(Math.abs((failing.start_run_number as number) - PLANTED.failures.firstRun) <= 5, `${failing.start_run_number}`);
  assert.equal(failing.change, 'failure rate 4% → 31%');
  const drop = bySkill.get(PLANTED.dropInUse.skill)!;
  assert.deepEqual([drop.metric, drop.started_at, drop.level, drop.previous_level, drop.regression], ['runs', daysAgoMidnight(PLANTED.dropInUse.daysAgo), PLANTED.dropInUse.after, PLANTED.dropInUse.before, false]);
}

describe('session-buddy changes on a store with planted regressions', () => {
  it('--json: each planted change at its run and with its size, newest first; the history is stored', async () => {
    const r = await runCliInProcess(db, ['changes', '--json']);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as { days: number; changes: Change[]; open_regressions: Change[] };
    assert.equal(report.days, 90);
    assertPlanted(report.changes);
    const starts = report.changes.map((c) => c.started_at);
    assert.deepEqual(starts, [...starts].sort().reverse(), 'newest first');
    assert.deepEqual(report.open_regressions.map((c) => c.skill_name).sort(), ['pytest-run', 'ruff-check']);
    const store = await SkillStore.open({ path: db, mode: 'read', pollMs: 0 });
    assert.equal(all(store.db, 'SELECT 1 FROM skill_changes').length, 15);
    await store.close();
  });

  it('the table names the run, the size and whether it still holds', async () => {
    const r = await runCliInProcess(db, ['changes', '--skill', PLANTED.slowdown.skill]);
    assert.equal(r.code, 0, r.err);
    const row = r.out.split('\n').find((line) => line.includes('slower'));
    assert.match(row ?? '', /pytest-run\s+duration\s+201\s+1\.6× slower \(30 s → 48 s\)\s+yes\s+yes/);
    assert.match(r.out, /pytest-run now/);
  });

  it('a skill without change shows none (no false alarm), and the filters keep what they name', async () => {
    const steady = await runCliInProcess(db, ['changes', '--skill', PLANTED.steady.skill, '--json']);
    assert.deepEqual(JSON.parse(steady.out).changes, []);
    assert.match((await runCliInProcess(db, ['changes', '--skill', PLANTED.steady.skill])).out, /^No changes in the last 90 day\(s\)\./);
    const rates = JSON.parse((await runCliInProcess(db, ['changes', '--metric', 'failure_rate', '--json'])).out) as { changes: Change[] };
    assert.deepEqual(rates.changes.map((c) => c.skill_name), [PLANTED.failures.skill]);
    const recent = JSON.parse((await runCliInProcess(db, ['changes', '--days', '10', '--json'])).out) as { changes: Change[] };
    assert.deepEqual(recent.changes, [], 'every planted change began earlier than 10 days ago');
  });

  it('bad usage exits 2; an unknown skill exits 1 in one line', async () => {
    assert.equal((await runCliInProcess(db, ['changes', '--metric', 'speed'])).code, 2);
    assert.equal((await runCliInProcess(db, ['changes', '--days', '0'])).code, 2);
    const unknown = await runCliInProcess(db, ['changes', '--skill', 'never-ran']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.err, 'session-buddy: no invocations of "never-ran" recorded\n');
  });
});

describe('get_skill_changes (the agent tool) on the same store', () => {
  let store: SkillStore;
  const context = (mayWrite: boolean): ToolContext => ({
    store,
    userId: 'agent-test',
    recorder: new SkillTracker(store, 'agent-test'),
    knowSession: () => Promise.reject(new Error('reading needs no session')),
    session: () => Promise.reject(new Error('reading needs no session')),
    existingSession: () => undefined,
    mayWrite: () => mayWrite,
  });
  before(async () => (store = await SkillStore.open({ path: db, pollMs: 0 })));
  after(() => store.close({ snapshot: false }));

  it('answers with success, message and the planted changes at their runs and sizes, open regressions first in the message', async () => {
    const answer = await runTool(context(false), 'get_skill_changes', {});
    assert.equal(answer.success, true, answer.message);
    assertPlanted(answer.changes as Change[]);
    assert.match(answer.message, /^2 open regression\(s\): .*pytest-run 1\.6× slower \(30 s → 48 s\) since \d{4}-\d{2}-\d{2} \(run 201\).*ruff-check failure rate 4% → 31%.*3 change\(s\) in the last 90 days$/);
    const current = answer.current as { skill_name: string; metric: string; level: number }[];
    assert.equal(current.find((c) => c.skill_name === PLANTED.dropInUse.skill && c.metric === 'runs')?.level, PLANTED.dropInUse.after);
  });

  it('one skill and one metric; a steady skill has none; an unknown skill is an answer with success false', async () => {
    const one = await runTool(context(true), 'get_skill_changes', { skill_name: PLANTED.slowdown.skill, metric: 'duration', days: 120 });
    assert.deepEqual((one.changes as Change[]).map((c) => [c.metric, c.start_run_number]), [['duration', PLANTED.slowdown.firstSlowRun]]);
    const steady = await runTool(context(true), 'get_skill_changes', { skill_name: PLANTED.steady.skill });
    assert.deepEqual([steady.changes, steady.open_regressions, steady.message], [[], [], 'No changes in the last 90 days']);
    const unknown = await runTool(context(true), 'get_skill_changes', { skill_name: 'never-ran' });
    assert.equal(unknown.success, false);
    assert.match(unknown.message, /no invocations of "never-ran" recorded/);
  });
});
