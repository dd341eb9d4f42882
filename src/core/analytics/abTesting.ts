import crypto from 'node:crypto';
import type { SqlValue } from '../store/sqlDatabase';
import { all, one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { nowTimestamp, parseTimestamp, type Timestamp } from '../time';
import { LIMITS, ValidationError, optionalText, requireName } from '../validation';
import {
  Z_95,
  fisherExact,
  meanDifferenceInterval,
  meanDifferenceZTest,
  newcombeDifferenceInterval,
  permutationTest,
  twoProportionZTest,
  type Interval,
} from './statistics';

export type AbGroup = 'control' | 'treatment';
export type AbStatus = 'running' | 'stopped' | 'completed';

export interface AbTest {
  test_id: number;
  test_name: string;
  description: string | null;
  control_strategy: string;
  treatment_strategy: string;
  start_date: Timestamp;
  end_date: Timestamp | null;
  /** Users with at least one outcome needed in each group before a winner is declared. */
  min_sample_size: number;
  metrics: string[];
  /** Share of users assigned to control (as in the anchor), 0 < r < 1. */
  assignment_ratio: number;
  status: AbStatus;
  created_at: Timestamp;
}

export interface AbTestConfig {
  test_name: string;
  description?: string | null;
  /**
   * Any name: tests carried over from the Python tool keep theirs. The recommendation engine follows
   * the names it knows (recommend/strategy.ts); the CLI and the editor create tests with those only.
   */
  control_strategy: string;
  treatment_strategy: string;
  /** Default: now. A date alone (YYYY-MM-DD) means 00:00 UTC. */
  start_date?: string | Date;
  end_date?: string | Date | null;
  min_sample_size?: number;
  metrics?: string[];
  assignment_ratio?: number;
}

export interface AbOutcomeInput {
  skill_name: string;
  completed: boolean;
  duration_seconds?: number | null;
  /** 1..5 */
  user_rating?: number | null;
}

export interface AbGroupResult {
  group: AbGroup;
  strategy: string;
  assigned_users: number;
  /** Users with at least one outcome: the sample size. */
  users: number;
  outcomes: number;
  /** Mean over users of each user's share of completed outcomes (each user counts once), 0..1. */
  completion_rate: number | null;
  /** Share of completed outcomes (what v_ab_test_summary shows), 0..1. */
  outcome_completion_rate: number | null;
  avg_duration_seconds: number | null;
  avg_user_rating: number | null;
  /**
   * Click-through: of each user's runs since the test started, the share started from the
   * Recommendations list (recorded with the place chosen), averaged over the group's users with
   * runs, 0..1; null when none ran anything.
   */
  chosen_from_list_rate: number | null;
  /** The mean place (1 = first) of the runs chosen from the list; null when none was. */
  mean_chosen_rank: number | null;
}

/**
 * two_proportion_z / fisher_exact: every user's outcomes agree (one outcome each, typically), so
 * users form a 2×2 table; Fisher when an expected cell is below 5. user_mean_z / permutation: some
 * users have mixed outcomes, so each user contributes their completion share; the permutation test
 * replaces the z-test for small counts.
 */
export type AbTestMethod = 'two_proportion_z' | 'fisher_exact' | 'user_mean_z' | 'permutation';

export interface AbAnalysis {
  test_id: number;
  test_name: string;
  status: AbStatus;
  min_sample_size: number;
  control: AbGroupResult;
  treatment: AbGroupResult;
  /** treatment − control completion rate; null without outcomes in both groups. */
  difference: number | null;
  confidence_interval: Interval | null;
  confidence_level: 0.95;
  p_value: number | null;
  method: AbTestMethod | null;
  winner: AbGroup | 'inconclusive';
  reason: 'significant' | 'not_significant' | 'insufficient_data';
  recommendation: string;
}

/** A request the A/B framework refuses (unknown test, wrong status, unassigned user...). */
export class AbTestError extends Error {}

const ALPHA = 0.05;
const MAX_SAMPLE_SIZE = 10_000_000;

/** Creates a running test; all writes go through the store's event log. */
/**
 * `testId`: a fixed id instead of a new one, for a test that must draw the same groups wherever it is
 * created again (the demo's, regenerated on every start): a user's group is a hash of the test id.
 */
export async function createAbTest(store: Store, config: AbTestConfig, options: { now?: Date; testId?: number } = {}): Promise<AbTest> {
  if (!config || typeof config !== 'object') throw new ValidationError('config', 'must be an object');
  const now = (options.now ?? new Date()).toISOString();
  const name = requireName('test_name', config.test_name);
  const control = requireName('control_strategy', config.control_strategy);
  const treatment = requireName('treatment_strategy', config.treatment_strategy);
  if (control === treatment) throw new ValidationError('treatment_strategy', `must differ from control_strategy (both are "${control}")`);
  const ratio = config.assignment_ratio ?? 0.5;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio < 1)) throw new ValidationError('assignment_ratio', `must be a number strictly between 0 and 1 (got ${String(ratio)})`);
  const minSample = config.min_sample_size ?? 100;
  if (!Number.isInteger(minSample) || minSample < 1 || minSample > MAX_SAMPLE_SIZE) {
    throw new ValidationError('min_sample_size', `must be a whole number from 1 to ${MAX_SAMPLE_SIZE} (got ${String(minSample)})`);
  }
  const start = config.start_date === undefined ? now : parseDate('start_date', config.start_date);
  const end = config.end_date === undefined || config.end_date === null ? null : parseDate('end_date', config.end_date);
  if (end !== null && end <= now) throw new ValidationError('end_date', `must be in the future (got ${end})`);
  if (end !== null && end <= start) throw new ValidationError('end_date', `must be after start_date (${start}); got ${end}`);
  const metrics = (config.metrics ?? ['completion_rate']).map((m, i) => requireName(`metrics[${i}]`, m, 64));
  if (metrics.length === 0) throw new ValidationError('metrics', 'must name at least one metric');
  if (one(store.db, 'SELECT 1 AS x FROM ab_test_configs WHERE test_name = ?', [name])) {
    throw new ValidationError('test_name', `an A/B test named "${name}" already exists`);
  }
  if (options.testId !== undefined && one(store.db, 'SELECT 1 AS x FROM ab_test_configs WHERE test_id = ?', [options.testId])) {
    throw new ValidationError('test_id', `an A/B test with id ${options.testId} already exists`);
  }
  const test: AbTest = {
    test_id: options.testId ?? (await store.nextId()),
    test_name: name,
    description: optionalText('description', config.description, LIMITS.text),
    control_strategy: control,
    treatment_strategy: treatment,
    start_date: start,
    end_date: end,
    min_sample_size: minSample,
    metrics,
    assignment_ratio: ratio,
    status: 'running',
    created_at: now,
  };
  await saveTest(store, test);
  return test;
}

export function getAbTest(store: Store, testId: number): AbTest {
  const id = requireTestId(testId);
  const row = one<Record<string, SqlValue>>(store.db, 'SELECT * FROM ab_test_configs WHERE test_id = ?', [id]);
  if (!row) throw new AbTestError(`no A/B test with id ${id}`);
  return toTest(row);
}

/**
 * A test by what a user types: its name (names are unique and short enough to type), or its id.
 * Ids are store-wide unique numbers, long because they must be unique across processes.
 */
export function findAbTest(store: Store, reference: string | number): AbTest {
  const text = String(reference).trim();
  if (!text) throw new ValidationError('test', 'must name an A/B test (its name or id)');
  const byName = one<Record<string, SqlValue>>(store.db, 'SELECT * FROM ab_test_configs WHERE test_name = ?', [text]);
  if (byName) return toTest(byName);
  const byId = /^\d+$/.test(text) ? one<Record<string, SqlValue>>(store.db, 'SELECT * FROM ab_test_configs WHERE test_id = ?', [Number(text)]) : undefined;
  if (byId) return toTest(byId);
  const names = listAbTests(store).map((t) => `"${t.test_name}"`);
  throw new AbTestError(`no A/B test named or numbered "${text}"; ${names.length ? `the tests are ${names.join(', ')}` : 'none exists yet'}`);
}

export function listAbTests(store: Store): AbTest[] {
  return all<Record<string, SqlValue>>(store.db, 'SELECT * FROM ab_test_configs ORDER BY created_at DESC, test_id DESC').map(toTest);
}

/** The running test users should be assigned to now (the most recently started), if any. */
export function getActiveAbTest(store: Store, options: { now?: Date } = {}): AbTest | undefined {
  const now = (options.now ?? new Date()).toISOString();
  return listAbTests(store)
    .filter((t) => isLive(t, now))
    .sort((a, b) => (a.start_date < b.start_date ? 1 : a.start_date > b.start_date ? -1 : b.test_id - a.test_id))[0];
}

/**
 * The user's group: deterministic (SHA-256 of `${testId}:${userId}`, mod 10 000, below the ratio →
 * control, as the anchor computes it) and recorded once; later calls return the recorded group.
 */
export async function assignUser(store: Store, testId: number, userId: string): Promise<AbGroup> {
  const test = getAbTest(store, testId);
  const user = requireName('user_id', userId);
  requireLive(test, 'assign users');
  const known = assignedGroup(store, test.test_id, user);
  if (known) return known;
  const group = groupFor(test.test_id, user, test.assignment_ratio);
  // Keyed on (test_id, user_id), the table's UNIQUE: a concurrent assignment of the same user by
  // another process (same group, by the hash) updates the row instead of violating the constraint.
  await store.commit([
    {
      t: 'upsert',
      table: 'ab_test_assignments',
      key: ['test_id', 'user_id'],
      rows: [{ assignment_id: await store.nextId(), test_id: test.test_id, user_id: user, group_name: group, assigned_at: nowTimestamp() }],
    },
  ]);
  return group;
}

/** The user's group in a test: as assigned, else as the hash will assign it. Reads only. */
export function groupOf(store: Store, test: AbTest, userId: string): AbGroup {
  const user = requireName('user_id', userId);
  return assignedGroup(store, test.test_id, user) ?? groupFor(test.test_id, user, test.assignment_ratio);
}

/** The group a hash assigns; exported so callers can predict it without writing. */
export function groupFor(testId: number, userId: string, ratio: number): AbGroup {
  const digest = crypto.createHash('sha256').update(`${testId}:${userId}`).digest('hex');
  const bucket = Number(BigInt(`0x${digest}`) % 10_000n) / 10_000;
  return bucket < ratio ? 'control' : 'treatment';
}

/** Records one outcome of an assigned user in a running test; returns the outcome id. */
export async function recordAbOutcome(store: Store, testId: number, userId: string, outcome: AbOutcomeInput): Promise<number> {
  const test = getAbTest(store, testId);
  const user = requireName('user_id', userId);
  if (!outcome || typeof outcome !== 'object') throw new ValidationError('outcome', 'must be an object');
  const skill = requireName('skill_name', outcome.skill_name);
  if (typeof outcome.completed !== 'boolean') throw new ValidationError('completed', 'must be true or false');
  const duration = outcome.duration_seconds ?? null;
  if (duration !== null && !(typeof duration === 'number' && Number.isFinite(duration) && duration >= 0)) {
    throw new ValidationError('duration_seconds', `must be a non-negative number of seconds (got ${String(duration)})`);
  }
  const rating = outcome.user_rating ?? null;
  if (rating !== null && !(typeof rating === 'number' && rating >= 1 && rating <= 5)) {
    throw new ValidationError('user_rating', `must be a number from 1 to 5 (got ${String(rating)})`);
  }
  requireLive(test, 'record outcomes');
  if (!assignedGroup(store, test.test_id, user)) {
    throw new AbTestError(`user "${user}" is not assigned to A/B test ${test.test_id} ("${test.test_name}"); assign the user first`);
  }
  const id = await store.nextId();
  await store.commit([
    {
      t: 'upsert',
      table: 'ab_test_outcomes',
      key: ['outcome_id'],
      rows: [{ outcome_id: id, test_id: test.test_id, user_id: user, skill_name: skill, completed: outcome.completed ? 1 : 0, duration_seconds: duration, user_rating: rating, recorded_at: nowTimestamp() }],
    },
  ]);
  return id;
}

/** Stops a running test now. */
export async function stopAbTest(store: Store, testId: number): Promise<AbTest> {
  const test = getAbTest(store, testId);
  if (test.status !== 'running') throw new AbTestError(`A/B test ${test.test_id} ("${test.test_name}") is already ${test.status}`);
  const stopped: AbTest = { ...test, status: 'stopped', end_date: nowTimestamp() };
  await saveTest(store, stopped);
  return stopped;
}

/** Marks running tests whose end date has passed as completed; returns them. */
export async function completeDueAbTests(store: Store, options: { now?: Date } = {}): Promise<AbTest[]> {
  const now = (options.now ?? new Date()).toISOString();
  const due = listAbTests(store).filter((t) => t.status === 'running' && t.end_date !== null && t.end_date <= now);
  const completed = due.map((t): AbTest => ({ ...t, status: 'completed' }));
  if (completed.length) await store.commit([{ t: 'upsert', table: 'ab_test_configs', key: ['test_id'], rows: completed.map(toRow) }]);
  return completed;
}

interface UserOutcomes {
  group_name: string;
  outcomes: number;
  completed: number;
}

interface GroupTotals {
  group_name: string;
  outcomes: number;
  completed: number;
  avg_duration: number | null;
  avg_rating: number | null;
}

/** Completion rates per group, counted in users, with a test suited to proportions. */
export function analyzeAbTest(store: Store, testId: number): AbAnalysis {
  const test = getAbTest(store, testId);
  const perUser = all<UserOutcomes>(
    store.db,
    `SELECT a.group_name AS group_name, COUNT(o.outcome_id) AS outcomes, COALESCE(SUM(o.completed = 1), 0) AS completed
     FROM ab_test_assignments a
     LEFT JOIN ab_test_outcomes o ON o.test_id = a.test_id AND o.user_id = a.user_id
     WHERE a.test_id = ?
     GROUP BY a.group_name, a.user_id`,
    [test.test_id],
  );
  const totals = all<GroupTotals>(
    store.db,
    `SELECT a.group_name AS group_name, COUNT(*) AS outcomes, SUM(o.completed = 1) AS completed,
            AVG(o.duration_seconds) AS avg_duration, AVG(o.user_rating) AS avg_rating
     FROM ab_test_outcomes o
     JOIN ab_test_assignments a ON a.test_id = o.test_id AND a.user_id = o.user_id
     WHERE o.test_id = ?
     GROUP BY a.group_name`,
    [test.test_id],
  );
  const clicks = listChoices(store, test);
  const shares = (group: AbGroup) => perUser.filter((u) => u.group_name === group && u.outcomes > 0).map((u) => u.completed / u.outcomes);
  const controlShares = shares('control');
  const treatmentShares = shares('treatment');
  const control = { ...groupResult(test, 'control', perUser, totals, controlShares), ...clickThrough(clicks, 'control') };
  const treatment = { ...groupResult(test, 'treatment', perUser, totals, treatmentShares), ...clickThrough(clicks, 'treatment') };
  const base = { test_id: test.test_id, test_name: test.test_name, status: test.status, min_sample_size: test.min_sample_size, control, treatment, confidence_level: 0.95 as const };
  if (controlShares.length === 0 || treatmentShares.length === 0) {
    return { ...base, difference: null, confidence_interval: null, p_value: null, method: null, winner: 'inconclusive', reason: 'insufficient_data', recommendation: 'No outcomes in at least one group yet.' };
  }
  const stats = compareGroups(controlShares, treatmentShares);
  const difference = treatment.completion_rate! - control.completion_rate!;
  const enough = controlShares.length >= test.min_sample_size && treatmentShares.length >= test.min_sample_size;
  const significant = stats.p_value < ALPHA;
  const winner: AbAnalysis['winner'] = !enough || !significant ? 'inconclusive' : difference > 0 ? 'treatment' : 'control';
  const reason: AbAnalysis['reason'] = !enough ? 'insufficient_data' : significant ? 'significant' : 'not_significant';
  return { ...base, difference, ...stats, winner, reason, recommendation: recommendation(test, reason, winner, difference, stats.p_value, controlShares.length, treatmentShares.length) };
}

function compareGroups(control: number[], treatment: number[]): { p_value: number; method: AbTestMethod; confidence_interval: Interval } {
  const binary = [...control, ...treatment].every((v) => v === 0 || v === 1);
  const xC = sum(control);
  const xT = sum(treatment);
  const nC = control.length;
  const nT = treatment.length;
  const n = nC + nT;
  const successes = xC + xT;
  const expected = [nC * successes, nC * (n - successes), nT * successes, nT * (n - successes)].map((v) => v / n);
  const small = expected.some((e) => e < 5);
  if (binary) {
    const p_value = small ? fisherExact(xT, nT - xT, xC, nC - xC).p_two_sided : twoProportionZTest(xC, nC, xT, nT).p_value;
    return { p_value, method: small ? 'fisher_exact' : 'two_proportion_z', confidence_interval: newcombeDifferenceInterval(xC, nC, xT, nT, Z_95) };
  }
  const p_value = small ? permutationTest(control, treatment) : meanDifferenceZTest(control, treatment).p_value;
  return { p_value, method: small ? 'permutation' : 'user_mean_z', confidence_interval: meanDifferenceInterval(control, treatment, Z_95) };
}

interface UserChoices {
  group_name: AbGroup;
  runs: number;
  chosen: number;
  rank_sum: number | null;
}

/** Each assigned user's runs since the test started, and how many were chosen from the list (and at which places). */
function listChoices(store: Store, test: AbTest): UserChoices[] {
  return all<UserChoices>(
    store.db,
    `SELECT a.group_name AS group_name, COUNT(i.id) AS runs, COALESCE(SUM(i.selection_rank IS NOT NULL), 0) AS chosen, SUM(i.selection_rank) AS rank_sum
     FROM ab_test_assignments a
     LEFT JOIN skill_sessions s ON s.user_id = a.user_id
     LEFT JOIN skill_invocation i ON i.session_id = s.session_id AND i.invoked_at >= ?
     WHERE a.test_id = ?
     GROUP BY a.group_name, a.user_id`,
    [test.start_date, test.test_id],
  );
}

function clickThrough(users: UserChoices[], group: AbGroup): Pick<AbGroupResult, 'chosen_from_list_rate' | 'mean_chosen_rank'> {
  const active = users.filter((u) => u.group_name === group && u.runs > 0);
  const chosen = sum(active.map((u) => u.chosen));
  return {
    chosen_from_list_rate: active.length ? sum(active.map((u) => u.chosen / u.runs)) / active.length : null,
    mean_chosen_rank: chosen > 0 ? sum(active.map((u) => u.rank_sum ?? 0)) / chosen : null,
  };
}

function groupResult(test: AbTest, group: AbGroup, perUser: UserOutcomes[], totals: GroupTotals[], shares: number[]): Omit<AbGroupResult, 'chosen_from_list_rate' | 'mean_chosen_rank'> {
  const t = totals.find((row) => row.group_name === group);
  return {
    group,
    strategy: group === 'control' ? test.control_strategy : test.treatment_strategy,
    assigned_users: perUser.filter((u) => u.group_name === group).length,
    users: shares.length,
    outcomes: t?.outcomes ?? 0,
    completion_rate: shares.length ? sum(shares) / shares.length : null,
    outcome_completion_rate: t && t.outcomes > 0 ? t.completed / t.outcomes : null,
    avg_duration_seconds: t?.avg_duration ?? null,
    avg_user_rating: t?.avg_rating ?? null,
  };
}

function recommendation(test: AbTest, reason: AbAnalysis['reason'], winner: AbAnalysis['winner'], difference: number, p: number, nC: number, nT: number): string {
  const points = `${Math.abs(difference * 100).toFixed(1)} points`;
  if (reason === 'insufficient_data') {
    return `Keep collecting: ${nC} control and ${nT} treatment users have outcomes; ${test.min_sample_size} per group are needed.`;
  }
  if (winner === 'inconclusive') return `No significant difference (${formatP(p)}); the groups differ by ${points}.`;
  const strategy = winner === 'treatment' ? test.treatment_strategy : test.control_strategy;
  return `${winner === 'treatment' ? 'Treatment' : 'Control'} (${strategy}) completes more often by ${points} (${formatP(p)}).`;
}

function formatP(p: number): string {
  return p < 0.0001 ? 'p < 0.0001' : `p = ${p.toFixed(4)}`;
}

function isLive(test: AbTest, now: string): boolean {
  return test.status === 'running' && test.start_date <= now && (test.end_date === null || test.end_date > now);
}

function requireLive(test: AbTest, action: string): void {
  const label = `A/B test ${test.test_id} ("${test.test_name}")`;
  if (test.status !== 'running') throw new AbTestError(`${label} is ${test.status}; cannot ${action}`);
  const now = nowTimestamp();
  if (test.start_date > now) throw new AbTestError(`${label} starts at ${test.start_date}; cannot ${action} yet`);
  if (test.end_date !== null && test.end_date <= now) throw new AbTestError(`${label} ended at ${test.end_date}; cannot ${action}`);
}

function assignedGroup(store: Store, testId: number, userId: string): AbGroup | undefined {
  const row = one<{ group_name: string }>(store.db, 'SELECT group_name FROM ab_test_assignments WHERE test_id = ? AND user_id = ?', [testId, userId]);
  return row && (row.group_name === 'control' || row.group_name === 'treatment') ? row.group_name : undefined;
}

async function saveTest(store: Store, test: AbTest): Promise<void> {
  await store.commit([{ t: 'upsert', table: 'ab_test_configs', key: ['test_id'], rows: [toRow(test)] }]);
}

function toRow(test: AbTest): Record<string, SqlValue> {
  return {
    test_id: test.test_id,
    test_name: test.test_name,
    description: test.description,
    control_strategy: test.control_strategy,
    treatment_strategy: test.treatment_strategy,
    start_date: test.start_date,
    end_date: test.end_date,
    min_sample_size: test.min_sample_size,
    metrics: JSON.stringify(test.metrics),
    assignment_ratio: test.assignment_ratio,
    status: test.status,
    created_at: test.created_at,
  };
}

function toTest(row: Record<string, SqlValue>): AbTest {
  const status = String(row.status ?? 'running');
  return {
    test_id: Number(row.test_id),
    test_name: String(row.test_name),
    description: row.description === null || row.description === undefined ? null : String(row.description),
    control_strategy: String(row.control_strategy),
    treatment_strategy: String(row.treatment_strategy),
    start_date: storedDate(row.start_date) ?? String(row.created_at),
    end_date: storedDate(row.end_date),
    min_sample_size: Number(row.min_sample_size ?? 100),
    metrics: parseMetrics(row.metrics),
    assignment_ratio: Number(row.assignment_ratio ?? 0.5),
    status: status === 'stopped' || status === 'completed' ? status : 'running',
    created_at: String(row.created_at),
  };
}

/** Dates written by the Python tool are naive ISO text; they are read as UTC. */
function storedDate(value: SqlValue | undefined): Timestamp | null {
  if (value === null || value === undefined || value === '') return null;
  try {
    return parseTimestamp(String(value));
  } catch {
    return String(value);
  }
}

/** JSON array (ours) or the comma-joined text the Python tool stored. */
function parseMetrics(value: SqlValue | undefined): string[] {
  if (typeof value !== 'string' || value === '') return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // not JSON: the anchor's comma-joined form
  }
  return value.split(',').map((m) => m.trim()).filter(Boolean);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function parseDate(field: string, value: string | Date): Timestamp {
  try {
    if (typeof value === 'string' && DATE_ONLY.test(value.trim())) return parseTimestamp(`${value.trim()}T00:00:00Z`);
    return parseTimestamp(value);
  } catch (err) {
    throw new ValidationError(field, (err as Error).message);
  }
}

function requireTestId(testId: number): number {
  if (!Number.isInteger(testId) || testId < 1) throw new ValidationError('test_id', `must be a positive whole number (got ${String(testId)})`);
  return testId;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
