// The workload of one fault-suite round, run as its own process with a fault injected
// (inject.cjs): records invocations in groups, rebuilds snapshots, closes and reopens the store,
// and in some rounds deletes all data. Prints, synchronously, what the store confirmed:
//   C <id>      the track() of invocation <id> resolved
//   P           deleteAllData is called: invocations confirmed before this line are to be deleted
//   D           deleteAllData finished (between P and D, the purge may or may not have been committed)
//   DONE        the workload ended
// Environment: SB_DB, SB_MIGRATIONS, SB_SEED, SB_PURGE (1: delete all data mid-way), SB_SECRET, SB_ENGINE
// (file: the file-backed store; recorder: runs recorded as `track` does with the store host on, into the
// process's own log segment with no store open, then the file-backed store opened as the host opens it to
// apply them; default sql.js's).
import fs from 'node:fs';
import { deleteAllData } from '../../src/core/maintenance/deleteAllData';
import { FileStore } from '../../src/core/store/fileStore';
import { storePaths } from '../../src/core/store/paths';
import { RecordingLog } from '../../src/core/store/recordingLog';
import { SkillStore } from '../../src/core/store/store';
import type { Store } from '../../src/core/store/storeInterface';
import { RunRecorder } from '../../src/core/tracking/runRecorder';
import { KnownSessions } from '../../src/core/tracking/sessionLookup';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { seededRandom } from '../../src/core/analytics/seededRandom';

const say = (line: string) => fs.writeSync(1, `${line}\n`);
const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const db = env('SB_DB');
const migrationsDir = env('SB_MIGRATIONS');
const random = seededRandom(Number(env('SB_SEED')));
const secret = env('SB_SECRET');
const options = { path: db, migrationsDir, pollMs: 0, compactDelayMs: 20, compactMaxDelayMs: 150, onMessage: () => undefined };
const engine = process.env.SB_ENGINE;
const open = (): Promise<Store> => (engine === 'file' || engine === 'recorder' ? FileStore.open(options) : SkillStore.open(options));

async function record(tracker: RunRecorder, session: string, groups: number, skill: () => string): Promise<void> {
  for (let g = 0; g < groups; g++) {
    const size = 1 + Math.floor(random() * 8);
    await Promise.all(
      Array.from({ length: size }, async () => {
        try {
          const id = await tracker.trackInvocation({ sessionId: session, skillName: skill(), completed: random() < 0.8, durationSeconds: Math.round(random() * 1000) / 100 });
          say(`C ${id}`);
        } catch {
          // a refused write: the workload goes on, as an editor does
        }
      }),
    );
  }
}

/** Records as `track` does with the store host on: its own log segment, no store open. */
async function recordWithoutStore(groups: number, skill: () => string): Promise<void> {
  const paths = storePaths(db);
  const log = new RecordingLog(paths, 0);
  const recorder = new RunRecorder(log, new KnownSessions(paths.salt), 'fault-user');
  try {
    const session = await recorder.createSession({ source: 'faults' });
    await record(recorder, session, groups, skill);
  } catch {
    // the session could not be recorded: nothing to record in
  }
  await log.close().catch(() => undefined);
}

async function phase(groups: number, skill: () => string, finish: (store: Store) => Promise<unknown>): Promise<void> {
  if (engine === 'recorder') await recordWithoutStore(groups, skill);
  const store = await open();
  const tracker = new SkillTracker(store, 'fault-user');
  let session: string;
  try {
    session = await tracker.createSession({ source: 'faults' });
  } catch {
    await store.close().catch(() => undefined);
    return;
  }
  await record(tracker, session, engine === 'recorder' ? 0 : groups, skill);
  await finish(store).catch(() => undefined);
  await store.close().catch(() => undefined);
}

async function main(): Promise<void> {
  const purge = process.env.SB_PURGE === '1';
  const named = (prefix: string) => () => `${prefix}-${Math.floor(random() * 6)}`;
  await phase(6, purge ? () => `${secret}-${Math.floor(random() * 6)}` : named('first'), (store) => store.snapshotNow());
  await phase(6, purge ? () => `${secret}-${Math.floor(random() * 6)}` : named('second'), async (store) => {
    await store.snapshotNow({ segmentGraceMs: 0 });
    if (!purge) return;
    say('P');
    await deleteAllData(store, { waitForOtherProcessesMs: 0 }).then(
      () => say('D'),
      () => undefined,
    );
  });
  await phase(4, named('after'), (store) => store.snapshotNow({ segmentGraceMs: 0 }));
  say('DONE');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
