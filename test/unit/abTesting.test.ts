import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AbTestError,
  analyzeAbTest,
  groupOf,
  assignUser,
  completeDueAbTests,
  createAbTest,
  getAbTest,
  getActiveAbTest,
  groupFor,
  recordAbOutcome,
  stopAbTest,
  type AbGroup,
  type AbTestConfig,
} from '../../src/core/analytics/abTesting';
import {
  fisherExact,
  newcombeDifferenceInterval,
  normalCdf,
  twoProportionZTest,
  wilsonInterval,
} from '../../src/core/analytics/statistics';
import { SkillStore } from '../../src/core/store/store';
import { ValidationError } from '../../src/core/validation';
import { runCliInProcess } from '../helpers/cli';
import { plant, tempStore } from '../helpers/store';
import type { Store } from '../../src/core/store/storeInterface';

const DAY = 86_400_000;
const config = (overrides: Partial<AbTestConfig> = {}): AbTestConfig => ({
  test_name: 'recommendations-v1',
  control_strategy: 'popularity+dependencies',
  treatment_strategy: 'collaborative+context+predictor',
  ...overrides,
});

/** Assigns users (through the API, in concurrent batches) and returns them by group, in order. */
async function enrol(store: Store, testId: number, users: string[]): Promise<Record<AbGroup, string[]>> {
  const out: Record<AbGroup, string[]> = { control: [], treatment: [] };
  for (let i = 0; i < users.length; i += 500) {
    const batch = users.slice(i, i + 500);
    const groups = await Promise.all(batch.map((u) => assignUser(store, testId, u)));
    batch.forEach((u, j) => out[groups[j]].push(u));
  }
  return out;
}

async function record(store: Store, testId: number, outcomes: { user: string; completed: boolean }[]): Promise<void> {
  for (let i = 0; i < outcomes.length; i += 500) {
    await Promise.all(outcomes.slice(i, i + 500).map((o) => recordAbOutcome(store, testId, o.user, { skill_name: 'pytest-run', completed: o.completed })));
  }
}

/** Users of a test picked so that each group gets exactly `perGroup` (the hash decides who goes where). */
function usersPerGroup(testId: number, perGroup: number, ratio = 0.5): Record<AbGroup, string[]> {
  const out: Record<AbGroup, string[]> = { control: [], treatment: [] };
  for (let i = 0; out.control.length < perGroup || out.treatment.length < perGroup; i++) {
    const user = `u${i}`;
    const group = groupFor(testId, user, ratio);
    if (out[group].length < perGroup) out[group].push(user);
  }
  return out;
}

describe('proportions: known tabulated values', () => {
  it("Fisher's exact test on the tea-tasting table 3/1 vs 1/3: one-sided 0.2429, two-sided 0.4857", () => {
    const r = fisherExact(3, 1, 1, 3);
    assert.equal(r.p_greater.toFixed(4), '0.2429');
    assert.equal(r.p_two_sided.toFixed(4), '0.4857');
    assert.equal(r.p_less.toFixed(4), '0.9857');
  });

  it("Newcombe's hybrid score interval for 56/70 − 48/80 is 0.0524 to 0.3339 (Newcombe 1998), Wilson 81/263 is 0.2553 to 0.3662", () => {
    const d = newcombeDifferenceInterval(48, 80, 56, 70);
    assert.equal(d.lower.toFixed(4), '0.0524');
    assert.equal(d.upper.toFixed(4), '0.3339');
    const w = wilsonInterval(81, 263);
    assert.equal(w.lower.toFixed(4), '0.2553');
    assert.equal(w.upper.toFixed(4), '0.3662');
  });

  it('normal CDF matches the table, and z² of the two-proportion test equals Pearson’s chi-square from observed and expected cells', () => {
    assert.equal(normalCdf(1.959963984540054).toFixed(6), '0.975000');
    assert.equal(normalCdf(-3).toFixed(7), '0.0013499');
    assert.equal(normalCdf(0).toFixed(7), '0.5000000');
    const [x1, n1, x2, n2] = [45, 120, 70, 130];
    const observed = [x1, n1 - x1, x2, n2 - x2];
    const n = n1 + n2;
    const success = (x1 + x2) / n;
    const expected = [n1 * success, n1 * (1 - success), n2 * success, n2 * (1 - success)];
    const chi2 = observed.reduce((s, o, i) => s + (o - expected[i]) ** 2 / expected[i], 0);
    const { z, p_value } = twoProportionZTest(x1, n1, x2, n2);
    assert.ok(Math.abs(z * z - chi2) < 1e-9, `${z * z} vs ${chi2}`);
    assert.ok(z > 0, 'positive when the second proportion is higher');
    assert.ok(Math.abs(p_value - 2 * (1 - normalCdf(Math.abs(z)))) < 1e-7);
  });
});

describe('createAbTest', () => {
  it('can be created with a fixed id, so that users draw the same groups wherever it is created again; an id in use is refused', async () => {
    const [a, b] = [await tempStore(), await tempStore()];
    try {
      const first = await createAbTest(a.store, config(), { testId: 7 });
      const again = await createAbTest(b.store, config(), { testId: 7 });
      assert.equal(first.test_id, 7);
      const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
      assert.deepEqual(users.map((u) => groupOf(a.store, first, u)), users.map((u) => groupOf(b.store, again, u)));
      await assert.rejects(() => createAbTest(a.store, config({ test_name: 'other' }), { testId: 7 }), /test_id: an A\/B test with id 7 already exists/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('creates a running test with an explicit id, stores metrics as a JSON array', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config({ assignment_ratio: 0.8, min_sample_size: 50, end_date: '2099-01-01', metrics: ['completion_rate', 'duration'] }));
      assert.equal(test.status, 'running');
      assert.equal(test.end_date, '2099-01-01T00:00:00.000Z');
      assert.deepEqual(getAbTest(t.store, test.test_id), test);
      const raw = t.store.db.exec('SELECT metrics, assignment_ratio FROM ab_test_configs WHERE test_id = ?', [test.test_id])[0].values[0];
      assert.deepEqual(raw, ['["completion_rate","duration"]', 0.8]);
    } finally {
      await t.close();
    }
  });

  it('validates names, strategies, ratio (0 < r < 1), sample size and dates with clear errors', async () => {
    const t = await tempStore();
    try {
      const bad: [Partial<AbTestConfig>, RegExp][] = [
        [{ test_name: '  ' }, /test_name: must not be empty/],
        [{ control_strategy: '' }, /control_strategy: must not be empty/],
        [{ treatment_strategy: 'popularity+dependencies' }, /treatment_strategy: must differ from control_strategy/],
        [{ assignment_ratio: 0 }, /assignment_ratio: must be a number strictly between 0 and 1/],
        [{ assignment_ratio: 1 }, /assignment_ratio/],
        [{ assignment_ratio: 1.5 }, /assignment_ratio/],
        [{ min_sample_size: 0 }, /min_sample_size: must be a whole number/],
        [{ min_sample_size: 2.5 }, /min_sample_size/],
        [{ end_date: 'next tuesday' }, /end_date: Unparseable timestamp/],
        [{ start_date: '2099-02-01', end_date: '2099-01-01' }, /end_date: must be after start_date/],
        [{ end_date: '2001-01-01' }, /end_date: must be in the future/],
      ];
      for (const [overrides, message] of bad) {
        await assert.rejects(createAbTest(t.store, config(overrides)), (err: Error) => err instanceof ValidationError && message.test(err.message), JSON.stringify(overrides));
      }
      await createAbTest(t.store, config());
      await assert.rejects(createAbTest(t.store, config()), /an A\/B test named "recommendations-v1" already exists/);
    } finally {
      await t.close();
    }
  });
});

describe('assignUser', () => {
  it('hashes SHA-256 of `${testId}:${userId}` mod 10 000 as the anchor does (values computed with Python hashlib)', () => {
    // int(sha256(f"{t}:{u}").hexdigest(), 16) % 10000 / 10000 → 1:alice 0.9821, 1:bob 0.1039,
    // 2:alice 0.138, 42:user-7 0.299, 1234567890123:carol 0.457, 7:dave 0.5353.
    assert.equal(groupFor(1, 'alice', 0.5), 'treatment');
    assert.equal(groupFor(1, 'alice', 0.99), 'control');
    assert.equal(groupFor(1, 'bob', 0.5), 'control');
    assert.equal(groupFor(1, 'bob', 0.1), 'treatment');
    assert.equal(groupFor(2, 'alice', 0.5), 'control');
    assert.equal(groupFor(42, 'user-7', 0.3), 'control');
    assert.equal(groupFor(42, 'user-7', 0.299), 'treatment');
    assert.equal(groupFor(1234567890123, 'carol', 0.5), 'control');
    assert.equal(groupFor(7, 'dave', 0.5), 'treatment');
    assert.equal(groupFor(7, 'dave', 0.6), 'control');
  });

  for (const ratio of [0.5, 0.8]) {
    it(`holds a ${ratio * 100}/${100 - ratio * 100} ratio within ±2 % over 10,000 users, deterministically`, async () => {
      const t = await tempStore();
      try {
        const test = await createAbTest(t.store, config({ assignment_ratio: ratio }));
        const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
        const groups = await enrol(t.store, test.test_id, users);
        const share = groups.control.length / users.length;
        assert.ok(Math.abs(share - ratio) <= 0.02, `control share ${share}`);
        const stored = t.store.db.exec('SELECT COUNT(*), SUM(group_name = ?) FROM ab_test_assignments WHERE test_id = ?', ['control', test.test_id])[0].values[0];
        assert.deepEqual(stored, [10_000, groups.control.length]);
        // Asking again returns the recorded group and writes nothing.
        for (const u of users.slice(0, 50)) assert.equal(await assignUser(t.store, test.test_id, u), groups.control.includes(u) ? 'control' : 'treatment');
        assert.equal(t.store.db.exec('SELECT COUNT(*) FROM ab_test_assignments')[0].values[0][0], 10_000);
      } finally {
        await t.close();
      }
    });
  }

  it('refuses unknown, stopped and not yet started tests', async () => {
    const t = await tempStore();
    try {
      await assert.rejects(assignUser(t.store, 999, 'u1'), (err: Error) => err instanceof AbTestError && /no A\/B test with id 999/.test(err.message));
      const later = await createAbTest(t.store, config({ test_name: 'later', start_date: new Date(Date.now() + DAY) }));
      await assert.rejects(assignUser(t.store, later.test_id, 'u1'), /starts at .*; cannot assign users yet/);
      const test = await createAbTest(t.store, config());
      await stopAbTest(t.store, test.test_id);
      await assert.rejects(assignUser(t.store, test.test_id, 'u1'), /is stopped; cannot assign users/);
      await assert.rejects(assignUser(t.store, test.test_id, ''), /user_id: must not be empty/);
    } finally {
      await t.close();
    }
  });
});

describe('recordAbOutcome', () => {
  it('records outcomes of assigned users of running tests only', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config());
      await assert.rejects(recordAbOutcome(t.store, test.test_id, 'stranger', { skill_name: 'lint', completed: true }), /user "stranger" is not assigned to A\/B test/);
      await assignUser(t.store, test.test_id, 'alice');
      await assert.rejects(recordAbOutcome(t.store, test.test_id, 'alice', { skill_name: 'lint', completed: true, user_rating: 7 }), /user_rating: must be a number from 1 to 5/);
      await assert.rejects(recordAbOutcome(t.store, test.test_id, 'alice', { skill_name: 'lint', completed: true, duration_seconds: -1 }), /duration_seconds/);
      const id = await recordAbOutcome(t.store, test.test_id, 'alice', { skill_name: 'lint', completed: true, duration_seconds: 2.5, user_rating: 4 });
      const row = t.store.db.exec('SELECT test_id, user_id, skill_name, completed, duration_seconds, user_rating FROM ab_test_outcomes WHERE outcome_id = ?', [id])[0].values[0];
      assert.deepEqual(row, [test.test_id, 'alice', 'lint', 1, 2.5, 4]);
      await completeDueAbTests(t.store);
      await stopAbTest(t.store, test.test_id);
      await assert.rejects(recordAbOutcome(t.store, test.test_id, 'alice', { skill_name: 'lint', completed: true }), /is stopped; cannot record outcomes/);
    } finally {
      await t.close();
    }
  });
});

describe('analyzeAbTest', () => {
  it('names the treatment the winner when it completes 70 % vs 50 % over 2,000 users (p < 0.05)', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config());
      const groups = await enrol(t.store, test.test_id, Array.from({ length: 2000 }, (_, i) => `user-${i}`));
      // Exactly 7 in 10 treatment users and 1 in 2 control users complete.
      await record(t.store, test.test_id, [
        ...groups.treatment.map((user, i) => ({ user, completed: i % 10 < 7 })),
        ...groups.control.map((user, i) => ({ user, completed: i % 2 === 0 })),
      ]);
      const a = analyzeAbTest(t.store, test.test_id);
      assert.equal(a.control.users + a.treatment.users, 2000);
      // Group sizes depend on the hash of the (time-based) test id, so the rates are 0.7 and 0.5 up to rounding.
      assert.ok(Math.abs(a.treatment.completion_rate! - 0.7) < 0.005);
      assert.ok(Math.abs(a.control.completion_rate! - 0.5) < 0.005);
      assert.equal(a.method, 'two_proportion_z');
      assert.ok(a.p_value! < 0.05);
      assert.equal(a.winner, 'treatment');
      assert.equal(a.reason, 'significant');
      assert.ok(a.confidence_interval!.lower > 0.1 && a.confidence_interval!.upper < 0.3, JSON.stringify(a.confidence_interval));
      assert.ok(a.confidence_interval!.lower < 0.2 && a.confidence_interval!.upper > 0.2);
      assert.match(a.recommendation, /Treatment \(collaborative\+context\+predictor\) completes more often by 20\.\d points/);
    } finally {
      await t.close();
    }
  });

  it('is inconclusive when both groups complete at the same rate', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config());
      const groups = await enrol(t.store, test.test_id, Array.from({ length: 2000 }, (_, i) => `user-${i}`));
      // 3 in 5 users of each group complete (within a group, so the hash's group sizes do not matter).
      await record(t.store, test.test_id, [...groups.treatment.map((user, i) => ({ user, completed: i % 5 < 3 })), ...groups.control.map((user, i) => ({ user, completed: i % 5 < 3 }))]);
      const a = analyzeAbTest(t.store, test.test_id);
      assert.ok(Math.abs(a.difference!) < 0.005);
      assert.ok(a.p_value! >= 0.05, `p ${a.p_value}`);
      assert.equal(a.winner, 'inconclusive');
      assert.equal(a.reason, 'not_significant');
    } finally {
      await t.close();
    }
  });

  it('is inconclusive below min_sample_size users per group even when significant', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config({ min_sample_size: 1500 }));
      const groups = await enrol(t.store, test.test_id, Array.from({ length: 2000 }, (_, i) => `user-${i}`));
      await record(t.store, test.test_id, [...groups.treatment.map((user) => ({ user, completed: true })), ...groups.control.map((user, i) => ({ user, completed: i % 2 === 0 }))]);
      const a = analyzeAbTest(t.store, test.test_id);
      assert.ok(a.p_value! < 0.001);
      assert.equal(a.winner, 'inconclusive');
      assert.equal(a.reason, 'insufficient_data');
      assert.match(a.recommendation, /1500 per group are needed/);
    } finally {
      await t.close();
    }
  });

  it("uses Fisher's exact test for small counts: 3 of 4 vs 1 of 4 users gives the tabulated two-sided p = 0.4857", async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config({ min_sample_size: 4 }));
      const users = usersPerGroup(test.test_id, 4);
      await enrol(t.store, test.test_id, [...users.control, ...users.treatment]);
      await record(t.store, test.test_id, [
        ...users.treatment.map((user, i) => ({ user, completed: i < 3 })),
        ...users.control.map((user, i) => ({ user, completed: i < 1 })),
      ]);
      const a = analyzeAbTest(t.store, test.test_id);
      assert.equal(a.method, 'fisher_exact');
      assert.equal(a.p_value!.toFixed(4), '0.4857');
      assert.equal(a.difference, 0.5);
      assert.equal(a.winner, 'inconclusive');
    } finally {
      await t.close();
    }
  });

  it("compares click-through: each user's share of runs started from the list since the test began, and the places chosen", async () => {
    const t = await tempStore();
    try {
      const start = new Date(Date.now() - 3_600_000);
      const test = await createAbTest(t.store, config({ start_date: start, min_sample_size: 2 }));
      const users = usersPerGroup(test.test_id, 2);
      await enrol(t.store, test.test_id, [...users.control, ...users.treatment]);
      const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
      const [c0, c1] = users.control;
      const [t0, t1] = users.treatment;
      const runs = (user: string, ranks: (number | undefined)[]) => ranks.map((rank, i) => ({ skill: 'lint', user, session: `s-${user}`, at: at(i + 1), rank }));
      await plant(t.store, [
        ...runs(c0, [1, undefined, undefined, undefined]),
        ...runs(c1, [undefined, undefined]),
        ...runs(t0, [1, 3, undefined, undefined]),
        ...runs(t1, [2, 2]),
        // before the test began: not counted
        { skill: 'lint', user: c1, session: `s-${c1}`, at: new Date(start.getTime() - 60_000), rank: 1 },
      ]);
      const a = analyzeAbTest(t.store, test.test_id);
      assert.equal(a.control.chosen_from_list_rate, (1 / 4 + 0) / 2);
      assert.equal(a.control.mean_chosen_rank, 1);
      assert.equal(a.treatment.chosen_from_list_rate, (2 / 4 + 2 / 2) / 2);
      assert.equal(a.treatment.mean_chosen_rank, (1 + 3 + 2 + 2) / 4);
    } finally {
      await t.close();
    }
  });

  it('counts users, not outcomes: users with several outcomes count once, with their completion share', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config({ min_sample_size: 40 }));
      const users = usersPerGroup(test.test_id, 40);
      await enrol(t.store, test.test_id, [...users.control, ...users.treatment]);
      // Control users: 1 of 2 runs complete (share 0.5); treatment users: 2 of 3 (share 2/3).
      await record(t.store, test.test_id, [
        ...users.control.flatMap((user) => [true, false].map((completed) => ({ user, completed }))),
        ...users.treatment.flatMap((user) => [true, true, false].map((completed) => ({ user, completed }))),
      ]);
      const a = analyzeAbTest(t.store, test.test_id);
      assert.equal(a.control.users, 40);
      assert.equal(a.treatment.users, 40);
      assert.equal(a.control.outcomes, 80);
      assert.equal(a.treatment.outcomes, 120);
      assert.equal(a.control.completion_rate, 0.5);
      assert.ok(Math.abs(a.treatment.completion_rate! - 2 / 3) < 1e-12);
      assert.equal(a.method, 'user_mean_z');
      assert.equal(a.winner, 'treatment');
    } finally {
      await t.close();
    }
  });

  it('uses a permutation test for few users with mixed outcomes: 3 vs 3 fully separated users give p ≈ 2/20', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config({ min_sample_size: 3 }));
      const users = usersPerGroup(test.test_id, 3);
      await enrol(t.store, test.test_id, [...users.control, ...users.treatment]);
      const runs = (user: string, outcomes: boolean[]) => outcomes.map((completed) => ({ user, completed }));
      // Shares: control 0, 1/3, 1/2; treatment 2/3, 3/4, 1. Of the C(6,3) = 20 splits of the six
      // shares, only this one and its mirror are as far apart, so the exact two-sided p is 0.1.
      await record(t.store, test.test_id, [
        ...runs(users.control[0], [false, false]),
        ...runs(users.control[1], [true, false, false]),
        ...runs(users.control[2], [true, false]),
        ...runs(users.treatment[0], [true, true, false]),
        ...runs(users.treatment[1], [true, true, true, false]),
        ...runs(users.treatment[2], [true, true]),
      ]);
      const a = analyzeAbTest(t.store, test.test_id);
      assert.equal(a.method, 'permutation');
      assert.ok(Math.abs(a.p_value! - 0.1) < 0.02, `p ${a.p_value}`);
      assert.equal(a.winner, 'inconclusive');
    } finally {
      await t.close();
    }
  });

  it('reports no statistics while a group has no outcomes', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config());
      const users = usersPerGroup(test.test_id, 2);
      await enrol(t.store, test.test_id, [...users.control, ...users.treatment]);
      await record(t.store, test.test_id, [{ user: users.control[0], completed: true }]);
      const a = analyzeAbTest(t.store, test.test_id);
      assert.equal(a.control.assigned_users, 2);
      assert.equal(a.control.users, 1);
      assert.equal(a.treatment.users, 0);
      assert.equal(a.p_value, null);
      assert.equal(a.winner, 'inconclusive');
      assert.equal(a.reason, 'insufficient_data');
    } finally {
      await t.close();
    }
  });
});

describe('test lifecycle', () => {
  it('stops a running test, completes due tests at their end date, and reports the active test', async () => {
    const t = await tempStore();
    try {
      const now = Date.now();
      const due = await createAbTest(t.store, config({ test_name: 'due', end_date: new Date(now + DAY) }));
      const open = await createAbTest(t.store, config({ test_name: 'open' }));
      assert.equal(getActiveAbTest(t.store)?.test_id, open.test_id, 'the most recently started running test');
      assert.equal(getActiveAbTest(t.store, { now: new Date(now + 2 * DAY) })?.test_id, open.test_id);

      assert.deepEqual(await completeDueAbTests(t.store), []);
      const completed = await completeDueAbTests(t.store, { now: new Date(now + 2 * DAY) });
      assert.deepEqual(completed.map((c) => c.test_id), [due.test_id]);
      assert.equal(getAbTest(t.store, due.test_id).status, 'completed');
      assert.equal(getAbTest(t.store, open.test_id).status, 'running');

      const stopped = await stopAbTest(t.store, open.test_id);
      assert.equal(stopped.status, 'stopped');
      assert.ok(stopped.end_date !== null && Date.parse(stopped.end_date) >= now);
      await assert.rejects(stopAbTest(t.store, open.test_id), /is already stopped/);
      assert.equal(getActiveAbTest(t.store), undefined);
    } finally {
      await t.close();
    }
  });

  it('writes through the event log: another process opening the store sees the same test, groups and outcomes', async () => {
    const t = await tempStore();
    try {
      const test = await createAbTest(t.store, config({ min_sample_size: 1 }));
      const users = usersPerGroup(test.test_id, 3);
      await enrol(t.store, test.test_id, [...users.control, ...users.treatment]);
      await record(t.store, test.test_id, [...users.control, ...users.treatment].map((user, i) => ({ user, completed: i % 2 === 0 })));
      const other = await SkillStore.open({ path: t.dbPath, pollMs: 0, mode: 'inspect' });
      try {
        assert.deepEqual(analyzeAbTest(other, test.test_id), analyzeAbTest(t.store, test.test_id));
      } finally {
        await other.close();
      }
    } finally {
      await t.close();
    }
  });
});

describe('CLI: ab and predictor commands', () => {
  /** The real program, in process; a non-zero exit rejects with what it printed on stderr. */
  async function cli(dbPath: string, args: string[]): Promise<{ out: string; err: string }> {
    const run = await runCliInProcess(dbPath, args);
    if (run.code !== 0) throw new Error(run.err.trim());
    return run;
  }

  it('creates, assigns, records, analyses, lists and stops a test; rejects bad usage', async () => {
    const t = await tempStore();
    await t.store.close({ snapshot: false });
    try {
      const created = await cli(t.dbPath, ['ab', 'create', '--name', 'cli-test', '--ratio', '0.5', '--min-sample', '1']);
      assert.equal(created.out, 'cli-test\n', 'a test is referred to by the name the user gave it');
      const testId = JSON.parse((await cli(t.dbPath, ['ab', 'list', '--json'])).out).tests[0].test_id;
      const defaults = JSON.parse((await cli(t.dbPath, ['ab', 'analyze', '--test', 'cli-test', '--json'])).out);
      assert.deepEqual([defaults.control.strategy, defaults.treatment.strategy], ['popularity_dependencies', 'collaborative_context_predictor'], 'the strategies the engine compares by default');
      const group = (await cli(t.dbPath, ['ab', 'assign', '--test', 'cli-test', '--user', 'alice'])).out.trim();
      assert.equal(group, groupFor(testId, 'alice', 0.5));
      await cli(t.dbPath, ['ab', 'record', '--test', 'cli-test', '--user', 'alice', '--skill', 'lint', '--completed', '--duration', '1.5']);
      await assert.rejects(cli(t.dbPath, ['ab', 'analyze', '--test', 'cli-tset']), /no A\/B test named or numbered "cli-tset"; the tests are "cli-test"/);
      const analysis = JSON.parse((await cli(t.dbPath, ['ab', 'analyze', '--test', String(testId), '--json'])).out);
      assert.equal(analysis[group].users, 1);
      assert.equal(analysis[group].completion_rate, 1);
      const text = (await cli(t.dbPath, ['ab', 'analyze', '--test', String(testId)])).out;
      assert.match(text, /Winner: inconclusive/);
      const list = JSON.parse((await cli(t.dbPath, ['ab', 'list', '--json'])).out);
      assert.equal(list.tests[0].test_name, 'cli-test');
      assert.equal(list.tests[0].total_users, 1);
      assert.match((await cli(t.dbPath, ['ab', 'stop', '--test', String(testId)])).out, /Stopped A\/B test/);
      const unknown = await runCliInProcess(t.dbPath, ['ab', 'create', '--name', 'free-text', '--control', 'popularity', '--treatment', 'collaborative']);
      assert.equal(unknown.code, 2, 'a strategy the engine does not know is bad usage');
      assert.match(unknown.err, /'popularity' is invalid\. Allowed choices are all_sources, popularity_dependencies, collaborative_context_predictor/);
      const chosen = await cli(t.dbPath, ['ab', 'create', '--name', 'chosen', '--control', 'all_sources', '--treatment', 'popularity_dependencies', '--json']);
      assert.deepEqual([JSON.parse(chosen.out).control_strategy, JSON.parse(chosen.out).treatment_strategy], ['all_sources', 'popularity_dependencies']);

      await assert.rejects(cli(t.dbPath, ['ab', 'create', '--name', 'x', '--ratio', '1.2']), /--ratio must be strictly between 0 and 1/);
      await assert.rejects(cli(t.dbPath, ['ab', 'record', '--test', String(testId), '--user', 'alice', '--skill', 'lint']), /exactly one of --completed or --failed/);
      await assert.rejects(cli(t.dbPath, ['ab', 'assign', '--test', String(testId), '--user', 'bob']), /is stopped; cannot assign users/);
      await assert.rejects(cli(t.dbPath, ['predictor', 'train']), /not enough data to train the predictor: 0 invocation/);
      await assert.rejects(cli(t.dbPath, ['predict', '--skill', 'lint']), /no invocations of "lint" recorded/, 'an unknown skill is refused the same way by every command');
    } finally {
      await t.close();
    }
  });
});
