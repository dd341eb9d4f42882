import { seededRandom } from '../../src/core/analytics/seededRandom';
import type { Store } from '../../src/core/store/storeInterface';
import { plant, type PlantedInvocation } from '../helpers/store';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The planted truth, for the tests to compare with. */
export const PLANTED = {
  days: 90,
  /** pytest-run: 4 completed runs a day, 30 s (±5 %) until run 200, 48 s (1.6×) from run 201 on. */
  slowdown: { skill: 'pytest-run', firstSlowRun: 201, before: 30, after: 48 },
  /** ruff-check: 5 runs a day, 1 failure in 25 until run 250, 4 in 13 from run 251 on (the first new one failing). */
  failures: { skill: 'ruff-check', firstRun: 251, before: 0.04, after: 4 / 13 },
  /** git-commit: 10 runs a day until 30 days ago, 2 a day since. */
  dropInUse: { skill: 'git-commit', daysAgo: 30, before: 10, after: 2 },
  /** tsc-check: 3 runs a day of 12 s (±5 %), 1 failure in 10, all along. */
  steady: { skill: 'tsc-check' },
} as const;

/**
 * A store with a regression history known in advance: over the last 90 whole UTC days (up to
 * yesterday), a slowdown at a known run, a failure-rate jump at a known run, a drop in use on a
 * known day, and a skill that never changes.
 */
export async function seedRegressionStore(store: Store, now = new Date()): Promise<void> {
  const today = Date.parse(now.toISOString().slice(0, 10));
  const random = seededRandom(7);
  const jitter = () => 1 + 0.1 * (random() - 0.5);
  const runs: PlantedInvocation[] = [];
  let pytest = 0;
  let ruff = 0;
  let tsc = 0;
  for (let d = PLANTED.days; d >= 1; d--) {
    const day = today - d * DAY_MS;
    const at = (hour: number, minute = 0) => new Date(day + hour * HOUR_MS + minute * 60_000);
    for (let k = 0; k < 4; k++) {
      pytest++;
      const seconds = pytest >= PLANTED.slowdown.firstSlowRun ? PLANTED.slowdown.after : PLANTED.slowdown.before;
      runs.push({ skill: PLANTED.slowdown.skill, at: at(9 + k), session: `s-${d}`, duration: seconds * jitter() });
    }
    for (let k = 0; k < 5; k++) {
      ruff++;
      const failed = ruff < PLANTED.failures.firstRun ? ruff % 25 === 0 : [0, 4, 8, 11].includes((ruff - PLANTED.failures.firstRun) % 13);
      runs.push({ skill: PLANTED.failures.skill, at: at(14 + k), session: `s-${d}`, completed: !failed, duration: 2 * jitter() });
    }
    const commits = d > PLANTED.dropInUse.daysAgo ? PLANTED.dropInUse.before : PLANTED.dropInUse.after;
    for (let k = 0; k < commits; k++) runs.push({ skill: PLANTED.dropInUse.skill, at: at(8, k), session: `s-${d}`, duration: 1 });
    for (let k = 0; k < 3; k++) {
      tsc++;
      runs.push({ skill: PLANTED.steady.skill, at: at(17, 10 * k), session: `s-${d}`, completed: tsc % 10 !== 0, duration: 12 * jitter() });
    }
  }
  await plant(store, runs);
}

/** The UTC midnight `days` before today's. */
export function daysAgoMidnight(days: number, now = new Date()): string {
  return new Date(Date.parse(now.toISOString().slice(0, 10)) - days * DAY_MS).toISOString();
}
