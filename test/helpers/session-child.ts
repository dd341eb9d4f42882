// A separate process that starts a session in a store: `session-child.ts DB PROJECT_PATH`.
// Prints the project hash the session was stored with.
import { one } from '../../src/core/store/statements';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';

async function main(): Promise<void> {
  const [db, projectPath] = process.argv.slice(2);
  const store = await SkillStore.open({ path: db, pollMs: 0 });
  const sessionId = await new SkillTracker(store, `user-${process.pid}`).createSession({ projectPath, source: 'child' });
  process.stdout.write(`${one<{ project_hash: string }>(store.db, 'SELECT project_hash FROM skill_sessions WHERE session_id = ?', [sessionId])!.project_hash}\n`);
  await store.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
