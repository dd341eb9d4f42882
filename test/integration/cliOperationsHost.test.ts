import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SkillStore } from '../../src/core/store/store';
import { ago, dbIn, plant, tempDir, type PlantedInvocation } from '../helpers/store';
import { hostPidOf, killHostOf, runCliSync } from './realtime-test-support';

// The CLI's commands on the store beside a running store host (the built CLI and host script; npm
// test builds them first): each is run by the host on the store it holds, and answers as the same
// command does on a store it opens itself. Two copies of one planted history: `here` answered by
// the commands (no host), `hosted` by the host, with the commands under a guard that fails any open
// of the database.
const ROOT = path.join(__dirname, '..', '..');
const scratch = tempDir('sb-cli-ops-');
const here = dbIn(scratch.dir, 'here');
const hosted = dbIn(scratch.dir, 'hosted');
const neverOpens = { NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'fixtures', 'preload', 'forbidDatabase.cjs')}`, SB_FORBIDDEN_FILE: hosted };
const SKILLS = ['pytest-run', 'ruff-check', 'git-commit', 'npm-build'];

/** Four users' sessions over ten days: each session runs the skills in order, pytest failing every third time. */
function history(): PlantedInvocation[] {
  const runs: PlantedInvocation[] = [];
  for (let s = 0; s < 60; s++) {
    const user = `user-${s % 4}`;
    for (let k = 0; k < SKILLS.length; k++) {
      if ((s + k) % 5 === 4) continue;
      runs.push({ skill: SKILLS[k], at: ago.hours(240 - s * 4 + k * 0.1), session: `s${s}`, user, completed: !(k === 0 && s % 3 === 0), duration: 1 + ((s * 7 + k * 3) % 11), phase: 'execution' });
    }
  }
  return runs;
}

interface Answer {
  code: number | null;
  out: string;
  err: string;
}

/** The same command on both copies: here with the host off, hosted through the host under the guard. */
function both(args: string[]): { here: Answer; hosted: Answer } {
  return {
    here: runCliSync(['--db', here, ...args], { SESSION_BUDDY_HOST: 'off' }),
    hosted: runCliSync(['--db', hosted, ...args], { SESSION_BUDDY_HOST: '', ...neverOpens }),
  };
}

/** The copies' own paths, the times commands ran and the ids made of them (the store's clock) are the only differences allowed. */
function normalised(text: string): string {
  return text
    .replaceAll(path.dirname(here), '<store>')
    .replaceAll(path.dirname(hosted), '<store>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
    .replace(/\b\d{13,}\b/g, '<id>');
}

function assertSame(args: string[]): Answer {
  const answers = both(args);
  assert.equal(answers.here.code, 0, `${args.join(' ')} here: ${answers.here.err}`);
  assert.equal(answers.hosted.code, 0, `${args.join(' ')} hosted: ${answers.hosted.err}`);
  assert.equal(normalised(answers.hosted.out), normalised(answers.here.out), args.join(' '));
  return answers.hosted;
}

before(async () => {
  for (const db of [here, hosted]) {
    const store = await SkillStore.open({ path: db, pollMs: 0 });
    await plant(store, history());
    await store.close();
  }
  const started = runCliSync(['--db', hosted, 'metrics', '--json'], { SESSION_BUDDY_HOST: 'on', SESSION_BUDDY_HOST_IDLE_SECONDS: '120' });
  assert.equal(started.code, 0, started.err);
  assert.ok(hostPidOf(hosted), 'the store host runs');
});

after(() => {
  killHostOf(hosted);
  scratch.cleanup();
});

describe("the CLI's commands on the store, answered by a running store host", () => {
  test('reports read from the store answer alike', () => {
    const realtime = assertSame(['realtime', '--window-hours', '300', '--json']);
    assert.deepEqual((JSON.parse(realtime.out) as { skills: { skill_name: string }[] }).skills.map((s) => s.skill_name).sort(), [...SKILLS].sort());
    const trend = assertSame(['trend', '--skill', 'pytest-run', '--days', '10', '--json']);
    assert.equal((JSON.parse(trend.out) as { skill_name: string }).skill_name, 'pytest-run');
    assertSame(['changes', '--days', '30', '--json']);
    assert.match(assertSame(['status']).out, /^Database: +\S+\/hosted\/skills\.db\nCurrent version: V\d+__\w+\nInvocations: +192\n/);
    assertSame(['status', '--json']);
    assert.equal(assertSame(['validate']).out, 'OK: every applied migration matches its file.\n');
    assertSame(['ci', 'report', '--pipeline', 'web', '--json']);
    const evaluated = assertSame(['evaluate', 'next', '--store', '--warmup', '5', '--json']);
    assert.equal((JSON.parse(evaluated.out) as { replayed: number }).replayed, history().length, 'every stored run is replayed');
  });

  test('derived tables are recomputed and read alike', () => {
    assert.match(assertSame(['dependencies', 'update', '--min-co-occurrence', '2']).out, /^Updated: \d+ skill pairs? seen together in at least 2 of 60 sessions\.\n$/);
    const deps = assertSame(['dependencies', 'show', '--skill', 'pytest-run', '--min-lift', '0', '--json']);
    assert.ok((JSON.parse(deps.out) as { dependencies: unknown[] }).dependencies.length > 0, 'the pairs the update found are shown');
    assertSame(['baselines', 'update']);
    assertSame(['baselines', 'show', '--json']);
    assertSame(['recommend-similar', '--user', 'user-1', '--json']);
    assertSame(['taxonomy', 'init']);
    assertSame(['anomalies', '--json']);
    const backfilled = assertSame(['backfill', '--days', '30']);
    assert.match(backfilled.err, /^backfill: 1\/4 skills\n(.*\n)*backfill: 4\/4 skills\n$/, 'the host says how far it is, as the command does');
    assertSame(['export-profile', '--user', 'user-2']);
  });

  test('the predictor trains in the host\'s job process and predicts alike', () => {
    const trained = both(['predictor', 'train', '--days', '30', '--json']);
    assert.equal(trained.hosted.code, trained.here.code, trained.hosted.err);
    assert.equal(trained.hosted.code, 0, trained.hosted.err);
    const keys = (answer: Answer) => Object.keys(JSON.parse(answer.out) as object).sort();
    assert.deepEqual(keys(trained.hosted), keys(trained.here));
    const prediction = assertSame(['predict', '--skill', 'pytest-run', '--json']);
    assert.ok((JSON.parse(prediction.out) as { probability: number }).probability >= 0);
  });

  test('an A/B test is created, assigned, recorded and analysed alike', () => {
    // Users are assigned by a hash of the test's id, which the store's clock makes: the copies' tests have different
    // ids, so a ratio of all-but-one-in-a-million puts the user in control in both.
    assertSame(['ab', 'create', '--name', 'ranker', '--min-sample', '1', '--ratio', '0.999999']);
    assert.equal(assertSame(['ab', 'assign', '--test', 'ranker', '--user', 'user-1']).out, 'control\n');
    const recorded = both(['ab', 'record', '--test', 'ranker', '--user', 'user-1', '--skill', 'pytest-run', '--completed', '--duration', '2']);
    assert.equal(recorded.hosted.code, 0, recorded.hosted.err);
    assert.match(recorded.hosted.out, /^\d+\n$/);
    assertSame(['ab', 'analyze', '--test', 'ranker', '--json']);
    assertSame(['ab', 'list', '--json']);
    assertSame(['ab', 'stop', '--test', 'ranker']);
  });

  test('refusals are the same: an unknown skill (exit 1) and a bad argument (exit 2)', () => {
    for (const [args, code] of [[['trend', '--skill', 'no-such-skill'], 1], [['dependencies', 'show', '--skill', 'no-such-skill'], 1], [['ab', 'analyze', '--test', 'missing'], 1], [['ab', 'create', '--name', 'tab\tin name'], 2]] as const) {
      const answers = both([...args]);
      assert.deepEqual([answers.hosted.code, answers.hosted.err], [answers.here.code, answers.here.err], args.join(' '));
      assert.equal(answers.hosted.code, code, answers.hosted.err);
    }
  });

  test('profiles are imported from a relative path, and delete-all-data empties the store', () => {
    const profile = path.join(scratch.dir, 'teammate.json');
    const exported = runCliSync(['--db', here, 'export-profile', '--user', 'user-3', '--out', profile], { SESSION_BUDDY_HOST: 'off' });
    assert.equal(exported.code, 0, exported.err);
    const imported = runCliSync(['--db', hosted, 'import-profiles', path.relative(ROOT, profile)], { SESSION_BUDDY_HOST: '', ...neverOpens });
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /^Imported \d+ profiles?, skipped \d+/);

    const deleted = runCliSync(['--db', hosted, 'delete-all-data', '--yes'], { SESSION_BUDDY_HOST: '', ...neverOpens });
    assert.equal(deleted.code, 0, deleted.err);
    assert.match(deleted.out, /^Deleted all data\./);
    const after = runCliSync(['--db', hosted, 'realtime', '--window-hours', '300', '--json'], { SESSION_BUDDY_HOST: '', ...neverOpens });
    assert.deepEqual((JSON.parse(after.out) as { skills: unknown[] }).skills, []);
    assert.ok(fs.existsSync(hosted), 'the database itself stays');
  });
});
