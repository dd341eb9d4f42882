// The whole test suite, as the README's Quick start and CI run it: dependencies (npm and the Debian
// packages the tests use as real peers), type check, lint, build, the Node unit and integration tests, then
// the end-to-end tests in a real VS Code workbench.
// The tests on a store run twice: on sql.js, then on the file-backed store (node:sqlite) under a Node
// that has it (Node 22 from the npm registry when the system's is 20; see nodeWithSqlite in lib.mjs).
// SESSION_BUDDY_TEST_ENGINE=file runs the given files on the file-backed store only.
// SKIP_E2E=1 skips the last step (for quick local runs only; CI always runs it).
import fs from 'node:fs';
import { ensureDependencies, filesUnder, nodeWithSqlite, root, run } from './lib.mjs';

// A command under test uses a store host only if one runs (SESSION_BUDDY_HOST=running), locally as in CI, where `CI`
// makes that the default: the tests of the host's use set it, and CI, themselves.
process.env.SESSION_BUDDY_HOST ??= 'running';
ensureDependencies();
run('bash', ['scripts/test-packages.sh']);
run('npm', ['run', '--silent', 'check-types']);
run('npm', ['run', '--silent', 'lint']);
run('npm', ['run', '--silent', 'build']);
const only = process.argv.slice(2);
const files = only.length ? only : [...filesUnder('test/unit', '.test.ts'), ...filesUnder('test/integration', '.test.ts')];
const fileEngine = process.env.SESSION_BUDDY_TEST_ENGINE === 'file';
run(fileEngine ? nodeWithSqlite() : process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]);
if (!only.length && !fileEngine) {
  // The store and analytics tests again on the file-backed store, under a Node with node:sqlite.
  const onStore = files.filter((file) => /\b(tempStore|openStore|storeWithSourcedSessions|FileStore|fileEngineProblem)\b/.test(fs.readFileSync(`${root}/${file}`, 'utf8')));
  run(nodeWithSqlite(), ['--import', 'tsx', '--test', '--test-reporter=spec', ...onStore], { env: { ...process.env, SESSION_BUDDY_TEST_ENGINE: 'file' } });
}
if (!only.length && process.env.SKIP_E2E !== '1' && filesUnder('test/e2e', '.e2e.mjs').length) {
  run('bash', ['test/e2e/setup.sh']);
  run(process.execPath, ['test/e2e/run.mjs']);
}
