// The whole test suite, as the README's Quick start and CI run it: dependencies (npm and the Debian
// packages the tests use as real peers), type check, lint, build, the Node unit and integration tests, then
// the end-to-end tests in a real VS Code workbench.
// SKIP_E2E=1 skips the last step (for quick local runs only; CI always runs it).
import { ensureDependencies, filesUnder, run } from './lib.mjs';

ensureDependencies();
run('bash', ['scripts/test-packages.sh']);
run('npm', ['run', '--silent', 'check-types']);
run('npm', ['run', '--silent', 'lint']);
run('npm', ['run', '--silent', 'build']);
const only = process.argv.slice(2);
const files = only.length ? only : [...filesUnder('test/unit', '.test.ts'), ...filesUnder('test/integration', '.test.ts')];
run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]);
if (!only.length && process.env.SKIP_E2E !== '1' && filesUnder('test/e2e', '.e2e.mjs').length) {
  run('bash', ['test/e2e/setup.sh']);
  run(process.execPath, ['test/e2e/run.mjs']);
}
