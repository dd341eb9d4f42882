import { assignUser, createAbTest, recordAbOutcome } from '../../src/core/analytics/abTesting';
import type { Store } from '../../src/core/store/storeInterface';
import { ago, plant, type PlantedInvocation } from '../helpers/store';

/**
 * A store with a known truth for every agent tool:
 * - trend: pytest-run completes 1, 2, 3, 4, 5, 5, 5 of 5 runs per day over the last 7 days (improving);
 * - anomaly: flaky-build completed 20 of 20 runs 2-21 hours ago, then failed 8 of 8 in the last hour (a drop);
 * - dependencies: lint and fmt run together in 12 sessions, deploy alone in 12 others (lift of fmt for lint > 1.5);
 * - collaborative: bob and carol share lint and fmt with alice and both completed coverage-report, which alice never ran;
 * - A/B test "ranking-v2" with 10 users per group, treatment completing more often.
 */
export async function seedToolsStore(store: Store): Promise<{ abTestId: number }> {
  const runs: PlantedInvocation[] = [];
  for (let day = 6; day >= 0; day--) {
    const completed = Math.min(5, 7 - day);
    for (let i = 0; i < 5; i++) {
      runs.push({ skill: 'pytest-run', at: ago.hours(24 * day + 3 + i / 10), session: `trend-${day}`, user: 'alice', completed: i < completed, duration: 2 + i });
    }
  }
  for (let h = 2; h <= 21; h++) runs.push({ skill: 'flaky-build', at: ago.hours(h), session: `build-${h}`, user: 'alice', completed: true, duration: 10 });
  for (let m = 0; m < 8; m++) runs.push({ skill: 'flaky-build', at: ago.minutes(5 + m * 5), session: 'build-now', user: 'alice', completed: false, duration: 10 });
  const owners = ['alice', 'alice', 'alice', 'alice', 'bob', 'bob', 'bob', 'bob', 'carol', 'carol', 'carol', 'carol'];
  owners.forEach((user, i) => {
    runs.push({ skill: 'lint', at: ago.hours(30 + i), session: `dep-${i}`, user, duration: 1 });
    runs.push({ skill: 'fmt', at: ago.hours(30 + i - 0.1), session: `dep-${i}`, user, duration: 0.5 });
    runs.push({ skill: 'deploy', at: ago.hours(60 + i), session: `solo-${i}`, user: 'dave', duration: 30 });
  });
  runs.push({ skill: 'coverage-report', at: ago.hours(50), session: 'dep-4', user: 'bob', duration: 4 });
  runs.push({ skill: 'coverage-report', at: ago.hours(51), session: 'dep-8', user: 'carol', duration: 4 });
  await plant(store, runs);

  const test = await createAbTest(store, { test_name: 'ranking-v2', control_strategy: 'popularity', treatment_strategy: 'dependency', min_sample_size: 5 });
  for (let u = 0; u < 40; u++) {
    const user = `ab-user-${u}`;
    const group = await assignUser(store, test.test_id, user);
    await recordAbOutcome(store, test.test_id, user, { skill_name: 'pytest-run', completed: group === 'treatment' ? u % 10 !== 0 : u % 2 === 0 });
  }
  return { abTestId: test.test_id };
}
