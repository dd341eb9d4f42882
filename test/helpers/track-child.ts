// A separate process that writes to a store: `track-child.ts DB COUNT [--print-ids]`.
// Prints each invocation id after its track() resolved when --print-ids is given, then "done".
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';

async function main(): Promise<void> {
  const [db, countText, flag] = process.argv.slice(2);
  const count = Number(countText);
  const printIds = flag === '--print-ids';
  const store = await SkillStore.open({ path: db, pollMs: 0, compactDelayMs: 200 });
  const tracker = new SkillTracker(store, `user-${process.pid}`);
  const sessionId = await tracker.createSession({ source: 'child' });
  const chunk = printIds ? 1 : 250;
  for (let i = 0; i < count; i += chunk) {
    const ids = await Promise.all(
      Array.from({ length: Math.min(chunk, count - i) }, (_, j) =>
        tracker.trackInvocation({ sessionId, skillName: `skill-${(i + j) % 17}`, completed: (i + j) % 5 !== 0, durationSeconds: 0.5 }),
      ),
    );
    if (printIds) process.stdout.write(`${ids.join('\n')}\n`);
  }
  await store.close();
  process.stdout.write('done\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
