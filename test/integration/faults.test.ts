import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileEngineProblem } from '../../src/core/store/nodeSqlite';
import { CELLS, cellsFor, formatTable, runFaultSuite } from '../faults/harness';
import { TEST_ENGINE } from '../helpers/store';

// A bounded run of the fault suite (twice every fault point x fault kind); `npm run test:faults`
// runs thousands of rounds.
test('a fault at any write point loses, doubles or leaks nothing and never leaves the store unopenable', { timeout: 600_000, skip: TEST_ENGINE === 'file' }, async () => {
  const result = await runFaultSuite({ rounds: CELLS.length * 2, parallel: 2 });
  const table = formatTable(result);
  assert.deepEqual(result.violations, [], `\n${table}`);
  const fired = result.cells.reduce((n, c) => n + c.fired, 0);
  assert.ok(fired >= result.rounds * 0.8, `the faults happened in ${fired} of ${result.rounds} rounds:\n${table}`);
});

// The same on the file-backed store: the log's write points, and SQLite's own (WAL, database,
// checkpoint, VACUUM INTO), injected in C. Runs in npm test's file-backed pass.
const fileSkip = fileEngineProblem() ?? (TEST_ENGINE === 'file' ? undefined : 'runs in the file-backed pass (SESSION_BUDDY_TEST_ENGINE=file)');
test('the file-backed store: a fault at any write point loses, doubles or leaks nothing', { timeout: 900_000, skip: fileSkip }, async () => {
  const result = await runFaultSuite({ rounds: cellsFor('file').length * 2, parallel: 2, engine: 'file' });
  const table = formatTable(result);
  console.log(table);
  assert.deepEqual(result.violations, [], `\n${table}`);
  const fired = result.cells.reduce((n, c) => n + c.fired, 0);
  assert.ok(fired >= result.rounds * 0.8, `the faults happened in ${fired} of ${result.rounds} rounds:\n${table}`);
});

// Runs recorded as `track` records them with the store host on (its own log segment, no store open),
// then applied by the file-backed store as the host applies them: the same write points, the same promises.
test('runs recorded without the store, applied by the file-backed store: a fault at any write point loses, doubles or leaks nothing', { timeout: 900_000, skip: fileSkip }, async () => {
  const result = await runFaultSuite({ rounds: cellsFor('recorder').length * 2, parallel: 2, engine: 'recorder' });
  const table = formatTable(result);
  assert.deepEqual(result.violations, [], `\n${table}`);
  const fired = result.cells.reduce((n, c) => n + c.fired, 0);
  assert.ok(fired >= result.rounds * 0.8, `the faults happened in ${fired} of ${result.rounds} rounds:\n${table}`);
});
