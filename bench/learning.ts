// node --import tsx bench/learning.ts [sizes...]   (default 100000)
// Goals at 100k invocations: dependency update <= 500 ms, recommendations <= 20 ms.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { updateCommunityBaselines } from '../src/core/analytics/baselines';
import { recommendFromSimilarUsers } from '../src/core/analytics/collaborative';
import { getSkillDependencies, updateSkillDependencies } from '../src/core/analytics/dependencies';
import { SkillStore } from '../src/core/store/store';
import { SkillTracker } from '../src/core/tracking/tracker';
import { MIGRATIONS, median, percentile, printTable, round, writeResult } from './common';
import { SKILLS, seedStore } from './seed';

const USERS = 1000;

async function timed<T>(work: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function measure(size: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-learning-'));
  const file = path.join(dir, 'skills.db');
  await seedStore(file, { invocations: size, users: USERS, migrationsDir: MIGRATIONS });
  const store = await SkillStore.open({ path: file, pollMs: 0, migrationsDir: MIGRATIONS, compactDelayMs: 3_600_000, compactMaxDelayMs: 3_600_000 });
  try {
    const updates: number[] = [];
    let pairs = 0;
    for (let i = 0; i < 5; i++) {
      const { ms, value } = await timed(() => updateSkillDependencies(store, { minCoOccurrence: 5 }));
      updates.push(ms);
      pairs = value.dependencies_created;
    }
    const reads = [];
    for (const skill of SKILLS) reads.push((await timed(() => getSkillDependencies(store, skill))).ms);
    const baselines = await timed(() => updateCommunityBaselines(store));

    const cold = await timed(() => recommendFromSimilarUsers(store, 'user-0'));
    const warm: number[] = [];
    for (let u = 1; u < 201; u++) warm.push((await timed(() => recommendFromSimilarUsers(store, `user-${u}`))).ms);
    const cached: number[] = [];
    for (let u = 1; u < 201; u++) cached.push((await timed(() => recommendFromSimilarUsers(store, `user-${u}`))).ms);
    // The editor's case: a new invocation arrives, then recommendations are asked for again.
    const tracker = new SkillTracker(store, 'user-7');
    const sessionId = await tracker.createSession({ source: 'bench' });
    const afterTrack: number[] = [];
    for (let i = 0; i < 200; i++) {
      await tracker.trackInvocation({ sessionId, skillName: SKILLS[i % SKILLS.length], completed: true });
      afterTrack.push((await timed(() => recommendFromSimilarUsers(store, 'user-7'))).ms);
    }
    return {
      invocations: size,
      users: USERS,
      dependency_pairs: pairs,
      dependencies_update_ms_median: round(median(updates), 1),
      dependencies_read_ms_p99: round(percentile(reads, 99), 3),
      baselines_update_ms: round(baselines.ms, 1),
      recommend_first_call_ms: round(cold.ms, 1),
      recommend_ms_p50: round(median(warm), 2),
      recommend_ms_p99: round(percentile(warm, 99), 2),
      recommend_cached_ms_p99: round(percentile(cached, 99), 3),
      recommend_after_new_invocation_ms_p50: round(median(afterTrack), 2),
      recommend_after_new_invocation_ms_p99: round(percentile(afterTrack, 99), 2),
    };
  } finally {
    await store.close({ snapshot: false });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const results = [];
  for (const size of sizes.length ? sizes : [100_000]) {
    console.error(`measuring ${size} invocations…`);
    results.push(await measure(size));
  }
  printTable(results);
  const goals = {
    dependencies_update_ms_median_at_100k: '<= 500',
    recommend_ms_p99_at_100k: '<= 20',
    recommend_after_new_invocation_ms_p50_at_100k: '<= 20',
    note: 'recommend_ms: answer not cached, user index loaded; recommend_first_call_ms loads the index (once per store, and after deletions); recommend_after_new_invocation_ms: index extended with the new row',
  };
  const out = writeResult('learning', { machine: { cpus: os.cpus().length, node: process.version }, measured_at: new Date().toISOString(), goals, results });
  console.log(`\nwritten ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
