import assert from 'node:assert/strict';
import { test } from 'node:test';
import { companionsOf, getSkillDependencies, relationshipType, updateSkillDependencies } from '../../src/core/analytics/dependencies';
import { initializeTaxonomy } from '../../src/core/analytics/taxonomy';
import { all } from '../../src/core/store/statements';
import { ago, plant, tempStore, type PlantedInvocation } from '../helpers/store';
import { seededRandom, shuffled } from '../../src/core/analytics/seededRandom';

/**
 * 400 sessions: A and B together in 40 (P(A∧B) = 0.1), A alone in 40 more (P(A) = 0.2), B alone in
 * 40 more (P(B) = 0.2), so lift(A, B) = 0.1 / (0.2 × 0.2) = 2.5. A runs three times in about half
 * of its sessions: sessions, not runs, must be counted. C runs in every session (lift 1 with
 * everything); F and G never meet.
 */
function plantedSessions(): PlantedInvocation[] {
  const rnd = seededRandom(42);
  const sessions: string[][] = [];
  for (let s = 0; s < 400; s++) {
    const skills = ['C'];
    if (s < 40) skills.push('A', 'B');
    else if (s < 80) skills.push('A');
    else if (s < 120) skills.push('B');
    else if (s < 220) skills.push('F');
    else if (s < 300) skills.push('G');
    if (skills.includes('A') && rnd() < 0.5) skills.push('A', 'A');
    sessions.push(shuffled(skills, rnd));
  }
  const base = ago.days(2).getTime();
  return shuffled(sessions.map((skills, s) => ({ s, skills })), rnd).flatMap(({ s, skills }) =>
    skills.map((skill, k) => ({ skill, session: `s${s}`, at: new Date(base + s * 60_000 + k * 1000) })),
  );
}

test('lift over sessions matches P(A∧B)/(P(A)P(B)) of planted sessions within 1 %', async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, plantedSessions());
    const result = await updateSkillDependencies(store, { minCoOccurrence: 5 });
    assert.equal(result.status, 'updated');
    assert.equal(result.sessions, 400);

    const analytic = 0.1 / (0.2 * 0.2);
    const fromB = getSkillDependencies(store, 'B', { minLift: 1.5 });
    assert.equal(fromB.length, 1);
    assert.equal(fromB[0].skill_b, 'A', 'the other skill is returned although B is in column skill_b');
    assert.equal(fromB[0].co_occurrence_count, 40, 'co-occurrence counts sessions, not invocation pairs');
    assert.ok(Math.abs(fromB[0].lift_score - analytic) / analytic < 0.01, `lift ${fromB[0].lift_score} vs ${analytic}`);
    assert.equal(fromB[0].relationship_type, 'strong_positive');

    const fromA = getSkillDependencies(store, 'A', { minLift: 0 });
    const withC = fromA.find((d) => d.skill_b === 'C');
    assert.ok(withC && Math.abs(withC.lift_score - 1) < 0.01, 'a skill in every session has lift 1');
    assert.equal(fromA[0].skill_b, 'B', 'strongest first');

    const stored = all<{ skill_a: string; skill_b: string }>(store.db, 'SELECT skill_a, skill_b FROM skill_dependencies');
    assert.ok(!stored.some((r) => (r.skill_a === 'F' && r.skill_b === 'G') || (r.skill_a === 'G' && r.skill_b === 'F')), 'skills that never meet have no row');
    assert.ok(stored.every((r) => r.skill_a < r.skill_b), 'one row per pair, ordered');
    assert.deepEqual(getSkillDependencies(store, 'B', { minLift: 2.6 }), [], 'minLift filters');

    const live = companionsOf(store, 'B', { minShared: 5 });
    assert.equal(live[0].skill_name, 'A');
    assert.equal(live[0].co, 40, 'the live companions count sessions too');
    assert.ok(Math.abs(live[0].lift - analytic) / analytic < 0.01, `live lift ${live[0].lift} vs ${analytic}`);
    assert.ok(!companionsOf(store, 'F', { minShared: 1 }).some((c) => c.skill_name === 'G'), 'skills that never meet are no companions');
  } finally {
    await close();
  }
});

test('the stored network and the live companions give the same lift, pinned to hand-computed values', async () => {
  // 12 sessions; A runs twice in s1 (sessions, not runs, count).
  const sessions: Record<string, string[]> = {
    s1: ['A', 'A', 'B'],
    s2: ['A', 'B'],
    s3: ['A', 'B'],
    s4: ['A'],
    s5: ['B', 'C'],
    s6: ['B', 'C'],
    s7: ['C'],
    s8: ['A', 'C'],
    s9: ['D', 'E'],
    s10: ['D', 'E'],
    s11: ['D'],
    s12: ['D'],
  };
  // N = 12, n(A) = 5, n(B) = 5, n(C) = 4, n(D) = 4, n(E) = 2; lift = co·N / (n(X)·n(Y)):
  // A–B 3·12/(5·5) = 1.44, B–C 2·12/(5·4) = 1.2, A–C 1·12/(5·4) = 0.6, D–E 2·12/(4·2) = 3.
  const base = ago.days(1).getTime();
  const planted = Object.entries(sessions).flatMap(([session, skills], s) =>
    skills.map((skill, k) => ({ skill, session, at: new Date(base + s * 60_000 + k * 1000) })),
  );
  const { store, close } = await tempStore();
  try {
    await plant(store, planted);
    await updateSkillDependencies(store, { minCoOccurrence: 1 });
    const stored = all<{ skill_a: string; skill_b: string; co: number; lift: number }>(
      store.db,
      'SELECT skill_a, skill_b, co_occurrence_count AS co, lift_score AS lift FROM skill_dependencies ORDER BY skill_a, skill_b',
    );
    assert.deepEqual(stored, [
      { skill_a: 'A', skill_b: 'B', co: 3, lift: 1.44 },
      { skill_a: 'A', skill_b: 'C', co: 1, lift: 0.6 },
      { skill_a: 'B', skill_b: 'C', co: 2, lift: 1.2 },
      { skill_a: 'D', skill_b: 'E', co: 2, lift: 3 },
    ]);
    const live = (skill: string) => companionsOf(store, skill, { minShared: 1 });
    assert.deepEqual(live('A'), [{ skill_name: 'B', co: 3, lift: 1.44 }, { skill_name: 'C', co: 1, lift: 0.6 }]);
    assert.deepEqual(live('B'), [{ skill_name: 'A', co: 3, lift: 1.44 }, { skill_name: 'C', co: 2, lift: 1.2 }]);
    assert.deepEqual(live('C'), [{ skill_name: 'B', co: 2, lift: 1.2 }, { skill_name: 'A', co: 1, lift: 0.6 }]);
    assert.deepEqual(live('D'), [{ skill_name: 'E', co: 2, lift: 3 }]);
    assert.deepEqual(live('E'), [{ skill_name: 'D', co: 2, lift: 3 }]);
  } finally {
    await close();
  }
});

test('minimum support drops rare pairs, and a stricter recomputation removes stale rows', async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, plantedSessions());
    await updateSkillDependencies(store, { minCoOccurrence: 5 });
    assert.ok(getSkillDependencies(store, 'A', { minLift: 0 }).some((d) => d.skill_b === 'B'));
    await updateSkillDependencies(store, { minCoOccurrence: 41 });
    assert.ok(!getSkillDependencies(store, 'A', { minLift: 0 }).some((d) => d.skill_b === 'B'), 'A-B (40 sessions) is below a support of 41');
    assert.ok(getSkillDependencies(store, 'A', { minLift: 0 }).some((d) => d.skill_b === 'C'), 'A-C (80 sessions) stays');
  } finally {
    await close();
  }
});

test('the read path never rebuilds: new sessions show only after an update', async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, plantedSessions());
    assert.deepEqual(getSkillDependencies(store, 'A'), [], 'nothing computed yet, and reading does not compute');
    await updateSkillDependencies(store);
    const before = getSkillDependencies(store, 'A');
    const more: PlantedInvocation[] = [];
    for (let s = 0; s < 30; s++) more.push({ skill: 'A', session: `x${s}`, at: ago.hours(1) }, { skill: 'Z', session: `x${s}`, at: ago.hours(1) });
    await plant(store, more);
    assert.deepEqual(getSkillDependencies(store, 'A'), before);
    await updateSkillDependencies(store);
    assert.ok(getSkillDependencies(store, 'A').some((d) => d.skill_b === 'Z'));
  } finally {
    await close();
  }
});

test("the taxonomy's seeded dependencies survive recomputation; measured data replaces a seed", async () => {
  const { store, close } = await tempStore();
  try {
    await initializeTaxonomy(store);
    const sessions: PlantedInvocation[] = [];
    // git-commit and git-push together in 10 of 20 sessions, each in 10: lift = 0.5 / (0.5 × 0.5) = 2.
    for (let s = 0; s < 20; s++) {
      sessions.push({ skill: s < 10 ? 'git-commit' : 'other', session: `g${s}`, at: ago.hours(3) });
      sessions.push({ skill: s < 10 ? 'git-push' : 'other2', session: `g${s}`, at: ago.hours(3) });
    }
    await plant(store, sessions);
    await updateSkillDependencies(store, { minCoOccurrence: 5 });
    await updateSkillDependencies(store, { minCoOccurrence: 5 });

    const ruff = getSkillDependencies(store, 'ruff-check');
    assert.deepEqual(ruff, [{ skill_b: 'black-format', co_occurrence_count: 1, lift_score: 3.5, relationship_type: 'strong_positive' }]);
    assert.equal(getSkillDependencies(store, 'k8s-deploy')[0]?.lift_score, 2.1);
    const push = getSkillDependencies(store, 'git-push');
    assert.equal(push[0].skill_b, 'git-commit');
    assert.equal(push[0].co_occurrence_count, 10);
    assert.ok(Math.abs(push[0].lift_score - 2) < 1e-9, 'measured lift replaced the seeded 4.2');

    await updateSkillDependencies(store, { minCoOccurrence: 11 });
    assert.equal(getSkillDependencies(store, 'git-push')[0]?.lift_score, 4.2, 'without measured data the seed comes back');
  } finally {
    await close();
  }
});

test('relationshipType uses the view thresholds', () => {
  assert.equal(relationshipType(3), 'strong_positive');
  assert.equal(relationshipType(1.8), 'moderate_positive');
  assert.equal(relationshipType(1.2), 'weak_positive');
  assert.equal(relationshipType(1), 'independent');
  assert.equal(relationshipType(0.7), 'weak_negative');
  assert.equal(relationshipType(0.2), 'moderate_negative');
});

test('bad options are refused with a clear error', async () => {
  const { store, close } = await tempStore();
  try {
    await assert.rejects(updateSkillDependencies(store, { minCoOccurrence: 0 }), /minCoOccurrence/);
    assert.throws(() => getSkillDependencies(store, ''), /skill/);
    assert.throws(() => getSkillDependencies(store, 'A', { minLift: Number.NaN }), /minLift/);
    assert.throws(() => getSkillDependencies(store, 'A', { limit: 0 }), /limit/);
  } finally {
    await close();
  }
});
