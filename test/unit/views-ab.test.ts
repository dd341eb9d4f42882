import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignUser, createAbTest, groupFor, recordAbOutcome, type AbGroup } from '../../src/core/analytics/abTesting';
import { all } from '../../src/core/store/statements';
import { tempStore } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

interface SummaryRow {
  test_id: number;
  test_name: string;
  status: string;
  total_users: number;
  control_users: number;
  treatment_users: number;
  control_completion_rate: number | null;
  treatment_completion_rate: number | null;
  total_outcomes: number;
}

/** `perGroup` user ids per group for this test (the hash decides the group). */
function pickUsers(testId: number, perGroup: number): Record<AbGroup, string[]> {
  const out: Record<AbGroup, string[]> = { control: [], treatment: [] };
  for (let i = 0; out.control.length < perGroup || out.treatment.length < perGroup; i++) {
    const group = groupFor(testId, `user-${i}`, 0.5);
    if (out[group].length < perGroup) out[group].push(`user-${i}`);
  }
  return out;
}

async function outcomes(store: Store, testId: number, user: string, completed: boolean[]): Promise<void> {
  for (const c of completed) await recordAbOutcome(store, testId, user, { skill_name: 'pytest-run', completed: c });
}

function summary(store: Store, testId: number): SummaryRow {
  return all<SummaryRow>(store.db, 'SELECT * FROM v_ab_test_summary WHERE test_id = ?', [testId])[0];
}

describe('v_ab_test_summary', () => {
  it('counts each user once and shows real completion rates (1 of 2 completed → 0.5, 0 of 2 → 0)', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, { test_name: 'view', control_strategy: 'popularity', treatment_strategy: 'collaborative' });
      const users = pickUsers(test.test_id, 3);
      for (const u of [...users.control, ...users.treatment]) await assignUser(t.store, test.test_id, u);
      // Control: one user completed once, one failed once, one assigned without outcomes.
      await outcomes(t.store, test.test_id, users.control[0], [true]);
      await outcomes(t.store, test.test_id, users.control[1], [false]);
      // Treatment: one user with three outcomes (all failed), one with one failure, one without outcomes.
      await outcomes(t.store, test.test_id, users.treatment[0], [false, false, false]);
      await outcomes(t.store, test.test_id, users.treatment[1], [false]);

      const row = summary(t.store, test.test_id);
      assert.equal(row.test_name, 'view');
      assert.equal(row.status, 'running');
      assert.equal(row.total_users, 6);
      assert.equal(row.control_users, 3);
      assert.equal(row.treatment_users, 3, 'a user with three outcomes counts once');
      assert.equal(row.control_completion_rate, 0.5);
      assert.equal(row.treatment_completion_rate, 0, '0 of 4 is 0, not NULL');
      assert.equal(row.total_outcomes, 6);
    } finally {
      await t.close();
    }
  });

  it('shares of completed outcomes per group, and NULL for a group without outcomes', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, { test_name: 'shares', control_strategy: 'popularity', treatment_strategy: 'collaborative' });
      const other = await createAbTest(t.store, { test_name: 'other', control_strategy: 'popularity', treatment_strategy: 'collaborative' });
      const users = pickUsers(test.test_id, 2);
      for (const u of [...users.control, ...users.treatment]) await assignUser(t.store, test.test_id, u);
      await outcomes(t.store, test.test_id, users.treatment[0], [true, true, true]);
      await outcomes(t.store, test.test_id, users.treatment[1], [false]);
      // The same user ids in another test do not leak into this one.
      for (const u of users.control) await assignUser(t.store, other.test_id, u);
      for (const u of users.control) await outcomes(t.store, other.test_id, u, [true]);

      const row = summary(t.store, test.test_id);
      assert.equal(row.total_users, 4);
      assert.equal(row.treatment_users, 2);
      assert.equal(row.treatment_completion_rate, 0.75);
      assert.equal(row.control_completion_rate, null);
      assert.equal(row.total_outcomes, 4);
      assert.equal(summary(t.store, other.test_id).total_outcomes, 2);
    } finally {
      await t.close();
    }
  });
});
