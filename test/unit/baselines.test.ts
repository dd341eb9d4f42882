import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectivenessPercentiles, getCommunityBaselines, updateCommunityBaselines } from '../../src/core/analytics/baselines';
import { updateSkillDependencies } from '../../src/core/analytics/dependencies';
import { all } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';

function runs(skill: string, user: string, session: string, n: number, extra: Partial<PlantedInvocation> = {}, hoursAgo = 5): PlantedInvocation[] {
  return Array.from({ length: n }, (_, i) => ({ skill, user, session, at: ago.hours(hoursAgo - i * 0.01), ...extra }));
}

/**
 * deploy: users u1 (5 sessions × 2 runs) and u2 (2 sessions × 1 run, plus 3 failed runs): 2 users
 * in 7 sessions, 15 runs, 12 completed (0.8); completed durations 10 s (u1) and 40 s (u2): mean (10·10 + 2·40)/12 = 15.
 * Phases: 'execution' 4, 'verification' 3, NULL 8 → 'execution'.
 * lint: u3, 4 runs, 1 completed (0.25), phases b, b, a, a → tie → 'a'. docs: u1, 4 runs, 1 completed
 * (0.25, tied with lint). test: u2, 2 runs, both completed (1.0).
 */
function planted(): PlantedInvocation[] {
  const rows: PlantedInvocation[] = [];
  for (let s = 0; s < 5; s++) rows.push(...runs('deploy', 'u1', `u1-s${s}`, 2, { duration: 10 }));
  for (let s = 0; s < 2; s++) rows.push(...runs('deploy', 'u2', `u2-s${s}`, 1, { duration: 40 }));
  rows.push(...runs('deploy', 'u2', 'u2-s0', 3, { completed: false, duration: 999 }));
  const phases = ['execution', 'execution', 'execution', 'execution', 'verification', 'verification', 'verification'];
  phases.forEach((phase, i) => (rows[i] = { ...rows[i], phase }));
  rows.push(...runs('lint', 'u3', 'u3-s0', 4).map((r, i) => ({ ...r, completed: i === 0, phase: i < 2 ? 'b' : 'a' })));
  rows.push(...runs('docs', 'u1', 'u1-s9', 4).map((r, i) => ({ ...r, completed: i === 0 })));
  rows.push(...runs('test', 'u2', 'u2-s9', 2));
  return rows;
}

test('baselines count users (not sessions), rates 0..1, NULL phases ignored, best skill at 100', async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, planted());
    const result = await updateCommunityBaselines(store);
    assert.deepEqual(result, { status: 'updated', skills_updated: 4 });
    const rows = getCommunityBaselines(store);
    const by = new Map(rows.map((r) => [r.skill_name, r]));

    const deploy = by.get('deploy')!;
    assert.equal(deploy.total_users, 2, '2 users over 7 sessions');
    assert.equal(deploy.total_invocations, 15);
    assert.ok(Math.abs(deploy.global_completion_rate - 0.8) < 1e-9);
    assert.ok(Math.abs(deploy.global_avg_duration_seconds! - 15) < 1e-9, 'mean duration of completed runs');
    assert.equal(deploy.most_common_workflow_phase, 'execution', 'the 8 runs without a phase do not win');
    assert.equal(by.get('lint')!.most_common_workflow_phase, 'a', 'ties go to the first name');
    assert.equal(by.get('docs')!.most_common_workflow_phase, null);

    assert.equal(by.get('test')!.effectiveness_percentile, 100);
    assert.ok(Math.abs(deploy.effectiveness_percentile - 200 / 3) < 1e-9);
    assert.ok(Math.abs(by.get('lint')!.effectiveness_percentile - 100 / 3) < 1e-9);
    assert.equal(by.get('docs')!.effectiveness_percentile, by.get('lint')!.effectiveness_percentile, 'ties share a percentile');
    assert.deepEqual(rows.map((r) => r.skill_name).slice(0, 2), ['test', 'deploy'], 'most effective first');
  } finally {
    await close();
  }
});

test('baselines are persisted: a new process sees them', async () => {
  const { store, dbPath, close } = await tempStore();
  try {
    await plant(store, planted());
    await updateCommunityBaselines(store);
    await store.close();
    const reopened = await SkillStore.open({ path: dbPath, pollMs: 0 });
    try {
      assert.equal(getCommunityBaselines(reopened).length, 4);
    } finally {
      await reopened.close({ snapshot: false });
    }
  } finally {
    await close();
  }
});

test('a skill without data any more loses its baseline; a single skill scores 100', async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, [...runs('old', 'u1', 'old-s', 3, {}, 24 * 40), ...runs('new', 'u1', 'new-s', 3).map((r, i) => ({ ...r, completed: i === 0 }))]);
    await updateCommunityBaselines(store);
    assert.equal(getCommunityBaselines(store).length, 2);
    await store.commit([{ t: 'retention', before: ago.days(30).toISOString() }]);
    assert.deepEqual(await updateCommunityBaselines(store), { status: 'updated', skills_updated: 1 });
    const rows = getCommunityBaselines(store);
    assert.deepEqual(rows.map((r) => [r.skill_name, r.effectiveness_percentile]), [['new', 100]]);
  } finally {
    await close();
  }
});

test('effectivenessPercentiles: best at 100, worst at 0, ties share, single is 100', () => {
  assert.deepEqual(effectivenessPercentiles([0.5]), [100]);
  assert.deepEqual(effectivenessPercentiles([0.2, 0.9, 0.5]), [0, 100, 50]);
  assert.deepEqual(effectivenessPercentiles([0.9, 0.9, 0.1]), [100, 100, 0]);
  assert.deepEqual(effectivenessPercentiles([]), []);
});

test("a team's pulled baselines and dependency network stay until the team is left; the local recompute does not replace them", async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, planted());
    const teamRow = { skill_name: 'deploy', total_users: 14, total_invocations: 900, global_completion_rate: 0.96, global_avg_duration_seconds: 12, most_common_workflow_phase: null, effectiveness_percentile: 100, last_updated: '2026-12-01T10:00:00.000Z' };
    const teamPair = { skill_a: 'deploy', skill_b: 'lint', co_occurrence_count: 40, lift_score: 2.5, last_updated: '2026-12-01T10:00:00.000Z' };
    await store.commit([
      { t: 'upsert', table: 'skill_community_baselines', key: ['skill_name'], rows: [teamRow] },
      { t: 'upsert', table: 'skill_dependencies', key: ['skill_a', 'skill_b'], rows: [teamPair] },
      { t: 'upsert', table: 'team_sync', key: ['team_id'], rows: [{ team_id: 't1', server: 'db.example.com/team', last_pull_at: '2026-12-01T10:00:00.000Z' }] },
    ]);
    assert.deepEqual(await updateCommunityBaselines(store), { status: 'team', skills_updated: 0 });
    assert.equal((await updateSkillDependencies(store)).status, 'team');
    assert.deepEqual(getCommunityBaselines(store).map((b) => [b.skill_name, b.total_users, b.global_completion_rate]), [['deploy', 14, 0.96]]);
    assert.deepEqual(all(store.db, 'SELECT skill_a, skill_b, lift_score FROM skill_dependencies'), [{ skill_a: 'deploy', skill_b: 'lint', lift_score: 2.5 }]);

    await store.commit([{ t: 'delete', table: 'team_sync', where: { team_id: 't1' } }]);
    assert.deepEqual(await updateCommunityBaselines(store), { status: 'updated', skills_updated: 4 });
    assert.equal(getCommunityBaselines(store).find((b) => b.skill_name === 'deploy')?.total_users, 2, 'back to this store\'s own two users');
  } finally {
    await close();
  }
});
