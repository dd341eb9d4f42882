import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storedRuns, storedRunsPage, type StoredRunsCursor } from '../../src/core/evaluation/storedRuns';
import type { UnplacedRun } from '../../src/core/evaluation/evaluationInput';
import { plant, tempStore } from '../helpers/store';

test('stored runs read a page at a time are every run once, in time order, numbered on, whatever the page size', async () => {
  const env = await tempStore();
  try {
    // Ties in time (three runs a minute) are where a cursor on the time alone would skip or repeat runs.
    await plant(env.store, Array.from({ length: 11 }, (_, i) => ({ skill: `skill-${i}`, at: `2026-11-0${1 + Math.floor(i / 3)}T10:00:00.000Z`, session: `s${i % 2}`, user: `user-${i % 2}` })));
    const whole = storedRuns(env.store);
    assert.equal(whole.length, 11);
    assert.deepEqual(whole.map((r) => r.line), Array.from({ length: 11 }, (_, i) => i + 1));
    assert.ok(whole.every((r, i) => i === 0 || whole[i - 1].atMs <= r.atMs), 'oldest first');
    for (const size of [1, 2, 3, 4, 10, 11, 12]) {
      const paged: UnplacedRun[] = [];
      let after: StoredRunsCursor | undefined;
      let pages = 0;
      do {
        const page = storedRunsPage(env.store, after, size, paged.length + 1);
        paged.push(...page.runs);
        after = page.next;
        pages++;
      } while (after);
      assert.deepEqual(paged, whole, `pages of ${size}`);
      assert.equal(pages, Math.floor(11 / size) + 1, `pages of ${size}: the last one is short (or empty)`);
    }
  } finally {
    await env.close();
  }
});
