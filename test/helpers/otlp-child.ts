// An OTLP receiver in a process of its own, so that a test can read its memory: `otlp-child.ts DB TOKEN`.
// Prints {"port": n} once listening; answers each line "rss" on stdin with {"rss": bytes}; "exit" closes it.
import readline from 'node:readline';
import { AgentRunRecorder, storeRecordingTarget } from '../../src/core/agents/agentRecorder';
import { OtlpReceiver } from '../../src/core/agents/otlpReceiver';
import { SkillStore } from '../../src/core/store/store';
import { SkillTracker } from '../../src/core/tracking/tracker';

async function main(): Promise<void> {
  const [db, token] = process.argv.slice(2);
  const store = await SkillStore.open({ path: db, pollMs: 0 });
  const receiver = new OtlpReceiver(new AgentRunRecorder(storeRecordingTarget(store, new SkillTracker(store, 'agent-user'))), { token, port: 0 });
  const { port } = await receiver.start();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line === 'rss') process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss })}\n`);
    if (line === 'exit') break;
  }
  await receiver.close();
  await store.close({ snapshot: false });
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
