import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { prepareStore, prepareWorkspace, startHome, statePaths, writeSettingsOnce } from '../../scripts/startState.mjs';
import { tempDir } from '../helpers/store';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const scratch = tempDir('sb-start-');
after(() => scratch.cleanup());

const git = (cwd: string, ...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' });
const cli = (db: string, ...args: string[]) => {
  const result = spawnSync(process.execPath, [CLI, '--db', db, ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
};
const count = (db: string, query: string) => (JSON.parse(cli(db, 'sql', query)) as { n: number }[])[0].n;

describe('what npm start keeps between starts', () => {
  test('its state folder is outside the clone, one per clone, where the platform keeps state (or SESSION_BUDDY_START_HOME)', () => {
    const linux = startHome({ HOME: '/home/ann' }, 'linux', '/src/session-buddy');
    assert.match(linux, /^\/home\/ann\/\.local\/state\/session-buddy-start\/session-buddy-[0-9a-f]{8}$/);
    assert.notEqual(startHome({ HOME: '/home/ann' }, 'linux', '/src/other/session-buddy'), linux, 'two clones, two folders');
    assert.match(startHome({ HOME: '/home/ann', XDG_STATE_HOME: '/state' }, 'linux', '/src/session-buddy'), /^\/state\/session-buddy-start\//);
    assert.match(startHome({ HOME: '/Users/ann' }, 'darwin', '/src/session-buddy'), /^\/Users\/ann\/Library\/Application Support\/session-buddy-start\//);
    assert.equal(startHome({ SESSION_BUDDY_START_HOME: '/tmp/sb' }), '/tmp/sb');
    const here = startHome({ HOME: process.env.HOME });
    assert.ok(path.relative(ROOT, here).startsWith('..'), `${here} is not inside ${ROOT}`);
  });

  test('the demo workspace is created once, with a git repository of its own; what a user adds survives every start', () => {
    const state = path.join(scratch.dir, 'workspace-state');
    const first = prepareWorkspace(state);
    assert.deepEqual([first.created, first.repository], [true, 'created']);
    assert.ok(fs.existsSync(path.join(first.workspace, '.vscode', 'tasks.json')), 'the demo tasks are there');
    assert.equal(git(first.workspace, 'rev-parse', '--show-toplevel').stdout.trim(), fs.realpathSync(first.workspace), "git in the workspace is the workspace's own repository");
    assert.equal(git(first.workspace, 'status', '--porcelain').stdout, '', 'the demo files are committed');

    // A newcomer's hour of work: a project with code and a repository of its own, and an edited demo file.
    const proj = path.join(first.workspace, 'proj');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, 'main.py'), 'print("mine")\n');
    assert.equal(git(proj, 'init', '--quiet').status, 0);
    fs.appendFileSync(path.join(first.workspace, 'README.md'), 'my notes\n');

    const second = prepareWorkspace(state);
    assert.deepEqual([second.created, second.repository], [false, 'kept']);
    assert.equal(fs.readFileSync(path.join(proj, 'main.py'), 'utf8'), 'print("mine")\n');
    assert.ok(fs.existsSync(path.join(proj, '.git')));
    assert.match(fs.readFileSync(path.join(first.workspace, 'README.md'), 'utf8'), /my notes\n$/);
  });

  test('--reset-demo recreates the workspace and says what it removes', () => {
    const state = path.join(scratch.dir, 'workspace-state');
    const said: string[] = [];
    const reset = prepareWorkspace(state, { reset: true, say: (line) => said.push(line) });
    assert.equal(reset.created, true);
    assert.equal(said.length, 1);
    assert.match(said[0], /--reset-demo: removing the demo workspace .*workspace, with what you added proj\/ and changed README\.md$/);
    assert.ok(!fs.existsSync(path.join(reset.workspace, 'proj')));
    const again: string[] = [];
    prepareWorkspace(state, { reset: true, say: (line) => again.push(line) });
    assert.match(again[0], /\(nothing of yours in it\)$/);
  });

  test('the demo store is regenerated while it holds only the demo, and kept once it holds a run of yours', () => {
    const state = path.join(scratch.dir, 'store-state');
    const seeded: string[] = [];
    const seed = (db: string) => {
      seeded.push(db);
      cli(db, 'seed-demo');
    };
    const first = prepareStore(state, { cli: CLI, seed });
    assert.equal(first.dbPath, statePaths(state).demoStore);
    assert.equal(seeded.length, 1);
    assert.equal(prepareStore(state, { cli: CLI, seed }).note.startsWith('generated demo data'), true);
    assert.equal(seeded.length, 2, 'regenerated: nothing of the user in it');

    cli(first.dbPath, 'track', '--skill', 'my-own-skill');
    const kept = prepareStore(state, { cli: CLI, seed });
    assert.equal(seeded.length, 2, 'not regenerated');
    assert.match(kept.note, /^kept: it holds 1 run you recorded/);
    assert.equal(count(first.dbPath, "SELECT COUNT(*) AS n FROM skill_invocation WHERE skill_name = 'my-own-skill'"), 1);

    const said: string[] = [];
    prepareStore(state, { cli: CLI, seed, reset: true, say: (line) => said.push(line) });
    assert.match(said[0], /--reset-demo: removing the demo store .*skills\.db and the files beside it/);
    assert.equal(seeded.length, 3);
  });

  test('--empty has a store of its own, empty at first and kept afterwards', () => {
    const state = path.join(scratch.dir, 'empty-state');
    const seed = () => assert.fail('an empty start seeds nothing');
    const first = prepareStore(state, { empty: true, cli: CLI, seed });
    assert.equal(first.dbPath, statePaths(state).emptyStore);
    cli(first.dbPath, 'track', '--skill', 'first-real-run');
    const again = prepareStore(state, { empty: true, cli: CLI, seed });
    assert.match(again.note, /^kept/);
    assert.equal(count(first.dbPath, 'SELECT COUNT(*) AS n FROM skill_invocation'), 1);
  });

  test("the workbench's settings are written on the first start only; then they are the user's", () => {
    const userData = path.join(scratch.dir, 'user-data');
    assert.equal(writeSettingsOnce(userData, { 'workbench.colorTheme': 'Default Dark Modern' }), true);
    const file = path.join(userData, 'User', 'settings.json');
    fs.writeFileSync(file, '{ "workbench.colorTheme": "Solarized Light" }\n');
    assert.equal(writeSettingsOnce(userData, { 'workbench.colorTheme': 'Default Dark Modern' }), false);
    assert.match(fs.readFileSync(file, 'utf8'), /Solarized Light/);
  });
});
