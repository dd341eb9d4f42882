import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CELLS, formatTable, runFaultSuite } from '../faults/harness';

// A bounded run of the fault suite (twice every fault point x fault kind); `npm run test:faults`
// runs thousands of rounds.
test('a fault at any write point loses, doubles or leaks nothing and never leaves the store unopenable', { timeout: 600_000 }, async () => {
  const result = await runFaultSuite({ rounds: CELLS.length * 2, parallel: 2 });
  const table = formatTable(result);
  assert.deepEqual(result.violations, [], `\n${table}`);
  const fired = result.cells.reduce((n, c) => n + c.fired, 0);
  assert.ok(fired >= result.rounds * 0.8, `the faults happened in ${fired} of ${result.rounds} rounds:\n${table}`);
});
