// Runs every test/e2e/*.e2e.mjs (one file at a time, each with its own workbench) with node's test runner,
// prints "N passed, N failed", the activation time and the .vsix size, and writes
// test-results/e2e/summary.json. Exits non-zero when anything failed.
//
//   node test/e2e/run.mjs                 # all suites
//   node test/e2e/run.mjs extension       # suites whose file name contains "extension"
//
// Packages the extension first when dist/session-buddy.vsix is missing or older than its sources, and runs
// test/e2e/setup.sh (a second or less once installed). E2E_VSIX=<file> tests that package instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { packageIsStale, runQuietly } from '../../scripts/lib.mjs';
import { RESULTS_DIR, ROOT, VERSIONS, VSIX } from './harness.mjs';

function sh(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`✗ ${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
    process.exit(result.status || 1);
  }
}

const started = Date.now();
sh('bash', [path.join('test', 'e2e', 'setup.sh')]);
if (!process.env.E2E_VSIX && packageIsStale(VSIX)) {
  console.log('# packaging the extension (npm run package)');
  runQuietly('npm', ['run', '--silent', 'package'], /DONE|WARNING/);
}
if (!fs.existsSync(VSIX)) {
  console.error(`e2e: ${VSIX} does not exist`);
  process.exit(1);
}
const vsixBytes = fs.statSync(VSIX).size;

const filters = process.argv.slice(2);
const files = fs.readdirSync(path.join(ROOT, 'test', 'e2e'))
  .filter((f) => f.endsWith('.e2e.mjs') && (!filters.length || filters.some((x) => f.includes(x))))
  .sort()
  .map((f) => path.join(ROOT, 'test', 'e2e', f));
if (!files.length) {
  console.error(`no test/e2e/*.e2e.mjs file matches ${filters.join(' ')}`);
  process.exit(2);
}
fs.mkdirSync(RESULTS_DIR, { recursive: true });

const results = [];
const stream = run({ files, concurrency: 1 });
const record = (status) => (data) => {
  if (data.details?.type === 'suite') return;
  results.push({
    file: data.file ? path.relative(ROOT, data.file) : undefined,
    name: data.name,
    status,
    durationMs: Math.round(data.details?.duration_ms ?? 0),
    error: status === 'failed' ? String(data.details?.error?.cause?.message ?? data.details?.error?.message ?? data.details?.error) : undefined,
  });
};
stream.on('test:pass', (data) => {
  if (!data.skip && !data.todo) record('passed')(data);
});
stream.on('test:fail', record('failed'));
await new Promise((resolve, reject) => {
  stream.compose(new spec()).pipe(process.stdout, { end: false });
  stream.on('end', resolve).on('error', reject);
});

// Each suite leaves its figures in test-results/e2e/<suite>/facts.json.
const suites = {};
for (const name of fs.readdirSync(RESULTS_DIR)) {
  const facts = path.join(RESULTS_DIR, name, 'facts.json');
  if (fs.existsSync(facts)) suites[name] = JSON.parse(fs.readFileSync(facts, 'utf8'));
}
/** The phases of the last setup that installed something (.e2e/setup-timings.txt: "<phase> <seconds>s"). */
function readSetupTimings() {
  const file = path.join(ROOT, '.e2e', 'setup-timings.txt');
  if (!fs.existsSync(file)) return {};
  return Object.fromEntries(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ')));
}

const passed = results.filter((r) => r.status === 'passed').length;
const failed = results.filter((r) => r.status === 'failed').length;
const activation = Object.values(suites).map((f) => f.activationMs).find((v) => typeof v === 'number');
const summary = {
  finishedAt: new Date().toISOString(),
  durationMs: Date.now() - started,
  passed,
  failed,
  vsixBytes,
  activationMs: activation ?? null,
  versions: { node: process.versions.node, ...VERSIONS },
  setupTimings: readSetupTimings(),
  tests: results,
  suites,
};
fs.writeFileSync(path.join(RESULTS_DIR, 'summary.json'), JSON.stringify(summary, null, 2));

console.log('');
console.log(`e2e: .vsix ${(vsixBytes / 1024).toFixed(0)} KiB (${vsixBytes} bytes)`);
console.log(`e2e: activation ${activation === undefined ? 'not reported (no "Activated in <ms> ms" in the Session Buddy log)' : `${activation} ms`}`);
console.log(`e2e: ${passed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s — ${path.relative(ROOT, RESULTS_DIR)}/summary.json`);
process.exit(failed || !passed ? 1 : 0);
