import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { updateCommunityBaselines } from '../../src/core/analytics/baselines';
import { updateSkillDependencies } from '../../src/core/analytics/dependencies';
import { importProfiles } from '../../src/core/analytics/profiles';
import { initializeTaxonomy } from '../../src/core/analytics/taxonomy';
import { all } from '../../src/core/store/statements';
import { ago, plant, tempDir, tempStore, type PlantedInvocation } from '../helpers/store';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

test('v_community_baseline_comparison: local rates against the team baseline, users counted as users', async () => {
  const t = await tempStore();
  const { dir, cleanup } = tempDir();
  try {
    // Local: X 10 runs (8 completed) in 2 sessions, Y 1 of 1. Teammate: X 10 runs, 2 completed.
    const local: PlantedInvocation[] = Array.from({ length: 10 }, (_, i) => ({ skill: 'X', user: 'me', session: `me-${i % 2}`, at: ago.hours(2), completed: i < 8 }));
    local.push({ skill: 'Y', user: 'me', session: 'me-0', at: ago.hours(2) });
    await plant(t.store, local);
    fs.writeFileSync(
      path.join(dir, 'mate.json'),
      JSON.stringify({
        format: 'session-buddy-team-profile',
        format_version: 1,
        user_hash: 'b'.repeat(64),
        exported_at: ago.days(1).toISOString(),
        skills: [{ skill_name: 'X', invocations: 10, completed: 2, completion_rate: 0.2, phases: {} }],
      }),
    );
    await importProfiles(t.store, [dir]);
    await updateCommunityBaselines(t.store);

    const rows = all<Record<string, number | string>>(t.store.db, 'SELECT * FROM v_community_baseline_comparison ORDER BY skill_name');
    assert.equal(rows.length, 2);
    const [x, y] = rows;
    assert.equal(x.skill_name, 'X');
    assert.equal(x.user_invocations, 10);
    assert.equal(x.user_sessions, 2);
    assert.ok(close(x.user_completion_rate as number, 0.8));
    assert.ok(close(x.baseline_completion_rate as number, 0.5), '(8 + 2) / 20');
    assert.equal(x.baseline_users, 2);
    assert.ok(close(x.delta_from_baseline as number, 0.3));
    assert.equal(x.effectiveness_percentile, 0);
    assert.equal(y.effectiveness_percentile, 100);
    assert.ok(close(y.delta_from_baseline as number, 0), 'a skill only used locally matches its own baseline');
  } finally {
    cleanup();
    await t.close();
  }
});

test('v_skill_dependency_network: planted lifts get their relationship types, most co-occurring first', async () => {
  const { store, close: done } = await tempStore();
  try {
    // 100 sessions. A,B,C together in 0-19; A alone 20-24; C alone 25-59; D 60-99; E in 0-4 and 60-99.
    // n(A)=25 n(B)=20 n(C)=55 n(D)=40 n(E)=45. Lifts = co·100/(n·n):
    // A-B 20 → 4 · B-C 20 → 1.818 · A-C 20 → 1.455 · D-E 40 → 2.222 · A-E 5 → 0.444 · B-E 5 → 0.556 · C-E 5 → 0.202
    const rows: PlantedInvocation[] = [];
    const add = (skill: string, from: number, to: number) => {
      for (let s = from; s <= to; s++) rows.push({ skill, session: `s${s}`, at: ago.hours(5) });
    };
    add('A', 0, 24);
    add('B', 0, 19);
    add('C', 0, 19);
    add('C', 25, 59);
    add('D', 60, 99);
    add('E', 0, 4);
    add('E', 60, 99);
    await plant(store, rows);
    await initializeTaxonomy(store);
    await updateSkillDependencies(store, { minCoOccurrence: 5 });

    const view = all<{ skill_a: string; skill_b: string; co_occurrence_count: number; lift_score: number; relationship_type: string }>(
      store.db,
      'SELECT skill_a, skill_b, co_occurrence_count, lift_score, relationship_type FROM v_skill_dependency_network',
    );
    const planted = view.filter((r) => r.skill_a.length === 1);
    assert.deepEqual(
      planted.map((r) => [r.skill_a, r.skill_b, r.co_occurrence_count, Math.round(r.lift_score * 1000) / 1000, r.relationship_type]),
      [
        ['D', 'E', 40, 2.222, 'strong_positive'],
        ['A', 'B', 20, 4, 'strong_positive'],
        ['B', 'C', 20, 1.818, 'moderate_positive'],
        ['A', 'C', 20, 1.455, 'weak_positive'],
        ['B', 'E', 5, 0.556, 'weak_negative'],
        ['A', 'E', 5, 0.444, 'moderate_negative'],
        ['C', 'E', 5, 0.202, 'moderate_negative'],
      ],
    );
    const seeded = view.filter((r) => r.skill_a.length > 1);
    assert.equal(seeded.length, 4, 'the taxonomy seeds are still there');
    assert.ok(seeded.every((r) => r.relationship_type === 'strong_positive'));
  } finally {
    await done();
  }
});

test('v_multimodal_skill_catalog: one row per skill even when mapped to two categories', async () => {
  const { store, close: done } = await tempStore();
  try {
    await plant(store, [
      { skill: 'ruff-check', session: 's1', at: ago.hours(3), duration: 2 },
      { skill: 'ruff-check', session: 's2', at: ago.hours(2), duration: 4 },
      { skill: 'ruff-check', session: 's2', at: ago.hours(1), duration: 100, completed: false },
      { skill: 'markdown-lint', session: 's1', at: ago.hours(1) },
      { skill: 'mystery', session: 's1', at: ago.hours(1) },
    ]);
    await initializeTaxonomy(store);
    assert.equal(all<{ n: number }>(store.db, "SELECT COUNT(*) AS n FROM skill_category_mapping WHERE skill_name = 'ruff-check'")[0].n, 2);

    const rows = all<Record<string, string | number | null>>(store.db, 'SELECT * FROM v_multimodal_skill_catalog ORDER BY skill_name');
    assert.deepEqual(rows.map((r) => r.skill_name), ['markdown-lint', 'mystery', 'ruff-check'], 'no duplicate rows');
    const [markdown, mystery, ruff] = rows;
    assert.equal(ruff.modality_type, 'code');
    assert.equal(ruff.input_format, 'python_source');
    assert.equal(ruff.category_name, 'Code Quality', 'equal confidence: first by name');
    assert.equal(ruff.domain, 'code');
    assert.equal(ruff.total_sessions, 2);
    assert.equal(ruff.total_invocations, 3);
    assert.ok(close(ruff.completion_rate as number, 2 / 3));
    assert.equal(ruff.avg_duration_seconds, 3, 'completed runs only');
    assert.equal(markdown.category_name, 'Documentation', 'the example category (1.0) beats the keyword match (0.7)');
    assert.equal(mystery.category_name, null);
    assert.equal(mystery.modality_type, null);
  } finally {
    await done();
  }
});
