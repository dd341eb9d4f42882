import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categorizeSkill, initializeTaxonomy } from '../../src/core/analytics/taxonomy';
import { all } from '../../src/core/store/statements';
import { ago, plant, tempStore } from '../helpers/store';

function mappingsOf(db: Parameters<typeof all>[0], skill: string): [string, number][] {
  return all<{ category_name: string; confidence_score: number }>(
    db,
    `SELECT c.category_name, m.confidence_score FROM skill_category_mapping m JOIN skill_categories c ON c.category_id = m.category_id
     WHERE m.skill_name = ? ORDER BY c.category_name`,
    [skill],
  ).map((r) => [r.category_name, r.confidence_score]);
}

test("seeds the anchor's 6 categories, 4 modalities and 4 dependencies", async () => {
  const { store, close } = await tempStore();
  try {
    const result = await initializeTaxonomy(store);
    assert.equal(result.categories, 6);
    assert.equal(result.modalities, 4);
    assert.equal(result.dependencies, 4);
    assert.ok(result.mappings > 0);
    assert.deepEqual(
      all(store.db, 'SELECT category_name, domain, parent_category_id FROM skill_categories ORDER BY category_name'),
      [
        { category_name: 'Build & Deploy', domain: 'deployment', parent_category_id: null },
        { category_name: 'Code Quality', domain: 'code', parent_category_id: null },
        { category_name: 'Documentation', domain: 'documentation', parent_category_id: null },
        { category_name: 'Git & Version Control', domain: 'code', parent_category_id: null },
        { category_name: 'Linting & Formatting', domain: 'code', parent_category_id: null },
        { category_name: 'Testing', domain: 'testing', parent_category_id: null },
      ],
    );
    assert.deepEqual(all(store.db, 'SELECT skill_name, modality_type, input_format, output_format, requires_human_review FROM skill_modalities ORDER BY skill_name'), [
      { skill_name: 'docker-build', modality_type: 'deployment', input_format: 'dockerfile', output_format: 'docker_image', requires_human_review: 0 },
      { skill_name: 'pytest-run', modality_type: 'testing', input_format: 'python_tests', output_format: 'test_results', requires_human_review: 0 },
      { skill_name: 'ruff-check', modality_type: 'code', input_format: 'python_source', output_format: 'diagnostics', requires_human_review: 0 },
      { skill_name: 'sphinx-build', modality_type: 'documentation', input_format: 'rst_docs', output_format: 'html_docs', requires_human_review: 1 },
    ]);
    assert.deepEqual(all(store.db, 'SELECT skill_a, skill_b, co_occurrence_count, lift_score FROM skill_dependencies ORDER BY lift_score DESC'), [
      { skill_a: 'git-commit', skill_b: 'git-push', co_occurrence_count: 1, lift_score: 4.2 },
      { skill_a: 'black-format', skill_b: 'ruff-check', co_occurrence_count: 1, lift_score: 3.5 },
      { skill_a: 'coverage-report', skill_b: 'pytest-run', co_occurrence_count: 1, lift_score: 2.8 },
      { skill_a: 'docker-build', skill_b: 'k8s-deploy', co_occurrence_count: 1, lift_score: 2.1 },
    ]);
  } finally {
    await close();
  }
});

test('maps example skills and recorded skills whose names match a category, with confidence', async () => {
  const { store, close } = await tempStore();
  try {
    await plant(store, ['npm-test', 'eslint', 'git-rebase', 'weather-report'].map((skill) => ({ skill, at: ago.hours(1) })));
    await initializeTaxonomy(store);
    assert.deepEqual(mappingsOf(store.db, 'ruff-check'), [['Code Quality', 1], ['Linting & Formatting', 1]], 'an example of two categories');
    assert.deepEqual(mappingsOf(store.db, 'git-push'), [['Git & Version Control', 1]]);
    assert.deepEqual(mappingsOf(store.db, 'npm-test'), [['Testing', 0.7]]);
    assert.deepEqual(mappingsOf(store.db, 'eslint'), [['Linting & Formatting', 0.7]]);
    assert.deepEqual(mappingsOf(store.db, 'git-rebase'), [['Git & Version Control', 0.7]]);
    assert.deepEqual(mappingsOf(store.db, 'weather-report'), [], 'no category matches');
  } finally {
    await close();
  }
});

test('is idempotent, and a later run maps skills recorded since', async () => {
  const { store, close } = await tempStore();
  try {
    await initializeTaxonomy(store);
    const count = (table: string) => all<{ n: number }>(store.db, `SELECT COUNT(*) AS n FROM ${table}`)[0].n;
    const tables = ['skill_categories', 'skill_modalities', 'skill_dependencies', 'skill_category_mapping'];
    const before = tables.map(count);
    assert.deepEqual(await initializeTaxonomy(store), { categories: 0, modalities: 0, dependencies: 0, mappings: 0 });
    assert.deepEqual(tables.map(count), before);

    await plant(store, [{ skill: 'vitest-run', at: ago.hours(1) }]);
    assert.deepEqual(await initializeTaxonomy(store), { categories: 0, modalities: 0, dependencies: 0, mappings: 1 });
    assert.deepEqual(mappingsOf(store.db, 'vitest-run'), [['Testing', 0.7]]);
  } finally {
    await close();
  }
});

test('categorizeSkill splits names into words', () => {
  assert.deepEqual(categorizeSkill('sphinx-build'), [
    { category: 'Documentation', confidence: 1 },
    { category: 'Build & Deploy', confidence: 0.7 },
  ]);
  assert.deepEqual(categorizeSkill('latest'), [], '"test" inside a word is not a match');
  assert.deepEqual(categorizeSkill('Docker_Compose:build'), [{ category: 'Build & Deploy', confidence: 0.7 }]);
});
