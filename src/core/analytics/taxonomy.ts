/**
 * The skill taxonomy: the anchor's 6 categories, 4 modalities and 4 "expected" dependencies, plus
 * the skill → category mapping the anchor never wrote. Running it again adds only what is missing
 * (the counts say what was added), so it is safe to run on every start.
 *
 * Mapping: a category's example skills map with confidence 1; a recorded skill whose name holds
 * one of a category's keywords (name split on - _ : . / and spaces) maps with confidence 0.7.
 * A skill may belong to several categories (ruff-check is Code Quality and Linting & Formatting).
 */
import type { SqlValue } from '../store/sqlDatabase';
import type { StoreEvent } from '../store/events';
import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { nowTimestamp } from '../time';

export interface CategorySeed {
  name: string;
  domain: 'code' | 'testing' | 'documentation' | 'deployment';
  description: string;
  examples: readonly string[];
  keywords: readonly string[];
}

export const CATEGORY_SEEDS: readonly CategorySeed[] = [
  {
    name: 'Code Quality',
    domain: 'code',
    description: 'Checking and improving code quality: type checkers, static analysis',
    examples: ['ruff-check', 'mypy', 'pylint', 'black-format', 'isort'],
    keywords: ['mypy', 'pylint', 'pyright', 'tsc', 'typecheck', 'flake8', 'bandit', 'sonar', 'complexity', 'quality'],
  },
  {
    name: 'Testing',
    domain: 'testing',
    description: 'Test execution and coverage',
    examples: ['pytest-run', 'coverage-report', 'hypothesis-test', 'pytest-watch'],
    keywords: ['test', 'tests', 'pytest', 'jest', 'vitest', 'mocha', 'unittest', 'coverage', 'e2e', 'spec'],
  },
  {
    name: 'Documentation',
    domain: 'documentation',
    description: 'Documentation generation and checking',
    examples: ['sphinx-build', 'docstring-check', 'api-docs', 'markdown-lint'],
    keywords: ['doc', 'docs', 'docstring', 'sphinx', 'mkdocs', 'typedoc', 'markdown', 'readme'],
  },
  {
    name: 'Build & Deploy',
    domain: 'deployment',
    description: 'Building artefacts and deploying them',
    examples: ['docker-build', 'k8s-deploy', 'terraform-apply', 'github-release'],
    keywords: ['build', 'deploy', 'docker', 'k8s', 'kubectl', 'helm', 'terraform', 'release', 'publish', 'package', 'bundle'],
  },
  {
    name: 'Git & Version Control',
    domain: 'code',
    description: 'Git operations',
    examples: ['git-commit', 'git-push', 'git-status', 'git-diff'],
    keywords: ['git', 'commit', 'push', 'pull', 'merge', 'rebase', 'checkout'],
  },
  {
    name: 'Linting & Formatting',
    domain: 'code',
    description: 'Linting and automatic formatting',
    examples: ['ruff-check', 'black-format', 'isort', 'autopep8'],
    keywords: ['lint', 'linter', 'eslint', 'ruff', 'format', 'formatter', 'prettier', 'black', 'isort', 'autopep8', 'stylelint'],
  },
];

export interface ModalitySeed {
  skill_name: string;
  modality_type: string;
  input_format: string;
  output_format: string;
  requires_human_review: 0 | 1;
}

export const MODALITY_SEEDS: readonly ModalitySeed[] = [
  { skill_name: 'ruff-check', modality_type: 'code', input_format: 'python_source', output_format: 'diagnostics', requires_human_review: 0 },
  { skill_name: 'pytest-run', modality_type: 'testing', input_format: 'python_tests', output_format: 'test_results', requires_human_review: 0 },
  { skill_name: 'sphinx-build', modality_type: 'documentation', input_format: 'rst_docs', output_format: 'html_docs', requires_human_review: 1 },
  { skill_name: 'docker-build', modality_type: 'deployment', input_format: 'dockerfile', output_format: 'docker_image', requires_human_review: 0 },
];

export interface DependencySeed {
  /** skill_a < skill_b, the order computed rows use, so computed data for the pair replaces the seed. */
  skill_a: string;
  skill_b: string;
  lift_score: number;
}

export const DEPENDENCY_SEEDS: readonly DependencySeed[] = [
  { skill_a: 'black-format', skill_b: 'ruff-check', lift_score: 3.5 },
  { skill_a: 'coverage-report', skill_b: 'pytest-run', lift_score: 2.8 },
  { skill_a: 'git-commit', skill_b: 'git-push', lift_score: 4.2 },
  { skill_a: 'docker-build', skill_b: 'k8s-deploy', lift_score: 2.1 },
];

export const EXAMPLE_CONFIDENCE = 1;
export const KEYWORD_CONFIDENCE = 0.7;

export interface TaxonomyResult {
  categories: number;
  modalities: number;
  dependencies: number;
  mappings: number;
}

/** The categories a skill name belongs to, with the confidence of each. */
export function categorizeSkill(skillName: string): { category: string; confidence: number }[] {
  const tokens = new Set(skillName.toLowerCase().split(/[-_:./\s]+/).filter(Boolean));
  const found: { category: string; confidence: number }[] = [];
  for (const seed of CATEGORY_SEEDS) {
    if (seed.examples.includes(skillName)) found.push({ category: seed.name, confidence: EXAMPLE_CONFIDENCE });
    else if (seed.keywords.some((k) => tokens.has(k))) found.push({ category: seed.name, confidence: KEYWORD_CONFIDENCE });
  }
  return found;
}

/** True once initializeTaxonomy has seeded every category (dependency updates then keep the seeds). */
export function isTaxonomyInitialized(store: Pick<Store, 'db'>): boolean {
  const names = new Set(all<{ category_name: string }>(store.db, 'SELECT category_name FROM skill_categories').map((r) => r.category_name));
  return CATEGORY_SEEDS.every((c) => names.has(c.name));
}

export async function initializeTaxonomy(store: Store): Promise<TaxonomyResult> {
  const now = nowTimestamp();
  const categoryIds = new Map(
    all<{ category_name: string; category_id: number }>(store.db, 'SELECT category_name, category_id FROM skill_categories').map((r) => [r.category_name, r.category_id]),
  );
  const newCategories: Record<string, SqlValue>[] = [];
  for (const seed of CATEGORY_SEEDS) {
    if (categoryIds.has(seed.name)) continue;
    const id = await store.nextId();
    categoryIds.set(seed.name, id);
    newCategories.push({ category_id: id, category_name: seed.name, parent_category_id: null, description: seed.description, domain: seed.domain, created_at: now });
  }

  const modalities = missingModalities(store, now);
  const dependencies = missingDependencies(store, now);
  const mappings = missingMappings(store, categoryIds, now);

  const events: StoreEvent[] = [];
  if (newCategories.length) events.push({ t: 'upsert', table: 'skill_categories', key: ['category_name'], rows: newCategories });
  if (modalities.length) events.push({ t: 'upsert', table: 'skill_modalities', key: ['skill_name'], rows: modalities });
  if (dependencies.length) events.push({ t: 'upsert', table: 'skill_dependencies', key: ['skill_a', 'skill_b'], rows: dependencies });
  if (mappings.length) events.push({ t: 'upsert', table: 'skill_category_mapping', key: ['skill_name', 'category_id'], rows: mappings });
  if (events.length) await store.commit(events);
  return { categories: newCategories.length, modalities: modalities.length, dependencies: dependencies.length, mappings: mappings.length };
}

function missingModalities(store: Store, now: string): Record<string, SqlValue>[] {
  const present = new Set(all<{ skill_name: string }>(store.db, 'SELECT skill_name FROM skill_modalities').map((r) => r.skill_name));
  return MODALITY_SEEDS.filter((m) => !present.has(m.skill_name)).map((m) => ({ ...m, created_at: now }));
}

function missingDependencies(store: Store, now: string): Record<string, SqlValue>[] {
  const present = new Set(all<{ a: string; b: string }>(store.db, 'SELECT skill_a AS a, skill_b AS b FROM skill_dependencies').map((r) => pairKey(r.a, r.b)));
  return DEPENDENCY_SEEDS.filter((d) => !present.has(pairKey(d.skill_a, d.skill_b))).map((d) => ({
    skill_a: d.skill_a,
    skill_b: d.skill_b,
    co_occurrence_count: 1,
    lift_score: d.lift_score,
    last_updated: now,
  }));
}

/** Example skills of every category, plus every recorded skill whose name matches a category. */
function missingMappings(store: Store, categoryIds: Map<string, number>, now: string): Record<string, SqlValue>[] {
  const present = new Set(
    all<{ skill_name: string; category_id: number }>(store.db, 'SELECT skill_name, category_id FROM skill_category_mapping').map((r) => `${r.skill_name}\u0000${r.category_id}`),
  );
  const recorded = all<{ skill_name: string }>(store.db, 'SELECT skill_name FROM skill_metrics').map((r) => r.skill_name);
  const skills = new Set([...CATEGORY_SEEDS.flatMap((c) => c.examples), ...recorded]);
  const rows: Record<string, SqlValue>[] = [];
  for (const skill of skills) {
    for (const { category, confidence } of categorizeSkill(skill)) {
      const id = categoryIds.get(category);
      if (id === undefined || present.has(`${skill}\u0000${id}`)) continue;
      rows.push({ skill_name: skill, category_id: id, confidence_score: confidence, assigned_at: now });
    }
  }
  return rows;
}

/** The same key for (a, b) and (b, a). */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}
