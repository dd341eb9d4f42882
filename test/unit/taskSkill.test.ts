import assert from 'node:assert/strict';
import { test } from 'node:test';
import { skillsFromCommandLine } from '../../src/core/tracking/commandLine';
import { exitCodeFromDebugOutput, outcomeFromExitCode } from '../../src/core/tracking/exitOutcome';
import { skillFromDebugType, skillFromTask, skillSlug, type TaskDescription } from '../../src/core/tracking/taskSkill';

const rules = (line: string) => skillsFromCommandLine(line, { trackUnknown: false });
const skill = (task: Partial<TaskDescription>) => skillFromTask({ label: 'x', type: 'shell', ...task }, rules);

test('a recognised command line gives its skill, whatever the task is called', () => {
  assert.equal(skill({ label: 'Run unit tests', commandLine: 'python -m pytest -q tests/unit' }), 'pytest-run');
  assert.equal(skill({ label: 'lint', type: 'process', commandLine: 'ruff check src' }), 'ruff-check');
  assert.equal(skill({ label: 'npm: test', type: 'npm', script: 'test', commandLine: 'npm run test' }), 'npm-test');
});

test('npm scripts without a recognised command line: npm-test and npm-run-<script>', () => {
  assert.equal(skill({ label: 'npm: test', type: 'npm', script: 'test' }), 'npm-test');
  assert.equal(skill({ label: 'npm: build', type: 'npm', script: 'build' }), 'npm-run-build');
  assert.equal(skill({ label: 'npm: Lint:Fix', type: 'npm', script: 'Lint:Fix' }), 'npm-run-lint:fix');
  assert.equal(skill({ label: 'npm: odd', type: 'npm', script: '../../etc/passwd' }), 'npm-run', 'a script name that could be user data is left out');
});

test('other tasks are task-<label>, sanitised, with no path in it', () => {
  assert.equal(skill({ label: 'e2e-pass', commandLine: 'exit 0' }), 'task-e2e-pass');
  assert.equal(skill({ label: 'e2e-fail', commandLine: 'exit 1' }), 'task-e2e-fail');
  assert.equal(skill({ label: 'Build & Deploy (Staging)!' }), 'task-build-deploy-staging');
  assert.equal(skill({ label: 'tsc: build - src/tsconfig.json', type: 'typescript' }), 'task-tsc-build');
  assert.equal(skill({ label: 'copy C:\\Users\\me\\secret.txt' }), 'task-copy');
  assert.equal(skill({ label: '/home/me/run.sh' }), 'task-unnamed');
  assert.equal(skill({ label: 'x'.repeat(300) }).length, 'task-'.length + 80);
});

test('an unknown command in a task does not become a cmd-<program> skill', () => {
  assert.equal(skill({ label: 'serve', commandLine: 'my-server --port 8080' }), 'task-serve');
});

test('slugs contain only [a-z0-9-], without leading, trailing or repeated dashes', () => {
  for (const text of ['  Hello,  World  ', '--a--b--', 'ÄÖÜ ok', '日本', 'x/y\\z']) {
    const slug = skillSlug(text);
    assert.match(slug, /^([a-z0-9]+(-[a-z0-9]+)*)?$/, `${text} → ${slug}`);
  }
  assert.equal(skillSlug('  Hello,  World  '), 'hello-world');
});

test('debug sessions are debug-<type>', () => {
  assert.equal(skillFromDebugType('python'), 'debug-python');
  assert.equal(skillFromDebugType('pwa-node'), 'debug-node', 'js-debug runs node sessions as pwa-node');
  assert.equal(skillFromDebugType('???'), 'debug-unknown');
});

test('exit codes: 0 completed, another code failed with the code, none terminated', () => {
  assert.deepEqual(outcomeFromExitCode(0), { completed: true });
  assert.deepEqual(outcomeFromExitCode(1), { completed: false, errorType: 'exit 1' });
  assert.deepEqual(outcomeFromExitCode(137), { completed: false, errorType: 'exit 137' });
  assert.deepEqual(outcomeFromExitCode(undefined), { completed: false, errorType: 'terminated' });
});

test('a debug adapter without an exited event gives its exit code in a console line', () => {
  assert.equal(exitCodeFromDebugOutput('Process exited with code 3\r\n'), 3);
  assert.equal(exitCodeFromDebugOutput('Process exited with code 0\n'), 0);
  assert.equal(exitCodeFromDebugOutput('my program said: Process exited with code 3\n'), undefined, 'only the whole line counts');
  assert.equal(exitCodeFromDebugOutput('hello\n'), undefined);
});
