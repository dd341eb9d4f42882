import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { cliContext } from '../../src/cli/context';
import { commandNamed, databaseOption } from '../../src/cli/commandLine';
import { HostSettingError, hostUse } from '../../src/cli/hostChoice';
import { COMMAND_GROUPS, runCli } from '../../src/cli/program';

const silent = { out: () => undefined, err: () => undefined };

test('each command group registers exactly the commands it is loaded for, and no two groups share one', async () => {
  const seen = new Set<string>();
  for (const group of COMMAND_GROUPS) {
    const program = new Command('session-buddy');
    (await group.load())(program, cliContext(silent, () => undefined, () => false));
    assert.deepEqual(program.commands.map((c) => c.name()).sort(), [...group.commands].sort());
    for (const name of group.commands) {
      assert.ok(!seen.has(name), `${name} is in two groups`);
      seen.add(name);
    }
  }
});

test('the command is the first word that is neither a global option nor the value of --db', () => {
  assert.equal(commandNamed(['--db', 'metrics', 'track', '--skill', 'x']), 'track');
  assert.equal(commandNamed(['--store-host', 'ci', 'track']), 'ci');
  assert.equal(commandNamed(['--db=/tmp/x.db', 'serve']), 'serve');
  assert.equal(commandNamed(['--version']), undefined);
  assert.equal(commandNamed([]), undefined);
});

test('help lists the commands of every group, and a group command is found when named', async () => {
  let out = '';
  assert.equal(await runCli(['--help'], { out: (t) => void (out += t), err: () => undefined }), 0);
  for (const group of COMMAND_GROUPS) for (const name of group.commands) assert.match(out, new RegExp(`^  ${name}\\b`, 'm'), `${name} in --help`);
  let taxonomy = '';
  assert.equal(await runCli(['taxonomy', '--help'], { out: (t) => void (taxonomy += t), err: () => undefined }), 0);
  assert.match(taxonomy, /^Usage: session-buddy taxonomy/m);
  let unknown = '';
  assert.equal(await runCli(['taxonomi'], { out: () => undefined, err: (t) => void (unknown += t) }), 2);
  assert.match(unknown, /Did you mean taxonomy\?/, 'a mistyped name is matched against every group');
});

test('the global --db option is read in both of its forms, and only before the command', () => {
  assert.equal(databaseOption(['--db', '/tmp/a.db', 'metrics']), '/tmp/a.db');
  assert.equal(databaseOption(['--store-host', '--db=/tmp/b.db', 'metrics']), '/tmp/b.db');
  assert.equal(databaseOption(['metrics', '--db', '/tmp/c.db']), undefined);
  assert.equal(databaseOption(['--db=', 'metrics']), '');
  assert.equal(databaseOption([]), undefined);
});

test('the CLI starts the store host on demand, except in CI where it uses one that runs; =running and =off say otherwise', () => {
  assert.equal(hostUse(undefined, {}), 'start');
  assert.equal(hostUse(undefined, { SESSION_BUDDY_HOST: '' }), 'start');
  assert.equal(hostUse(undefined, { CI: 'true' }), 'ifRunning');
  assert.equal(hostUse(undefined, { CI: '1', SESSION_BUDDY_HOST: ' ' }), 'ifRunning');
  assert.equal(hostUse(undefined, { CI: 'false' }), 'start', 'CI=false is not a CI job');
  assert.equal(hostUse(undefined, { CI: '0' }), 'start');
  assert.equal(hostUse(undefined, { CI: 'true', SESSION_BUDDY_HOST: 'on' }), 'start', 'asked for, a host starts in CI too');
  assert.equal(hostUse(true, { CI: 'true' }), 'start');
  assert.equal(hostUse(true, { SESSION_BUDDY_HOST: 'off' }), 'start', '--store-host wins');
  assert.equal(hostUse(undefined, { SESSION_BUDDY_HOST: ' ON ' }), 'start');
  assert.equal(hostUse(undefined, { SESSION_BUDDY_HOST: 'Running' }), 'ifRunning');
  assert.equal(hostUse(undefined, { SESSION_BUDDY_HOST: 'off' }), 'off');
  assert.throws(() => hostUse(undefined, { SESSION_BUDDY_HOST: 'yes' }), HostSettingError);
  assert.throws(() => hostUse(undefined, { SESSION_BUDDY_HOST: 'constructor' }), /must be "on", "running" or "off", not "constructor"/);
});
