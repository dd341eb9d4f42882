import type { RecordingContext } from '../core/host/protocol';
import { RecordingLog } from '../core/store/recordingLog';
import { resolveDatabasePath, storePaths } from '../core/store/paths';
import { RunRecorder, type InvocationInput } from '../core/tracking/runRecorder';
import { KnownSessions } from '../core/tracking/sessionLookup';
import type { CliContext } from './context';

export interface HostedRun {
  /** The session to record in; it is created under this id (a daily session) when `create` is set and the host does not know it. */
  sessionId: string;
  create?: { source: string };
  userId: string;
  input: Omit<InvocationInput, 'sessionId'>;
}

/**
 * Records one run with the store host on, without loading the store: the host is asked only what a
 * recorder must know (the session's owner, the clock, whether the store takes writes), and the run
 * goes into this process's own log segment, fdatasynced before the id is returned, as it would
 * without the host; the host applies it from the log. Undefined: the host is off or cannot serve,
 * and the caller opens the store itself.
 */
export async function recordViaHost(ctx: CliContext, run: HostedRun): Promise<number | undefined> {
  const known = (await ctx.viaHost('session', { id: run.sessionId })) as RecordingContext | undefined;
  if (!known) return undefined;
  if (known.readOnlyReason) throw new Error(known.readOnlyReason);
  const paths = storePaths(resolveDatabasePath(ctx.dbPath()));
  const sessions = new KnownSessions(paths.salt);
  sessions.add(run.sessionId, known);
  const log = new RecordingLog(paths, known.latestStamp);
  try {
    const recorder = new RunRecorder(log, sessions, run.userId);
    if (run.create && !known.session) await recorder.createSession({ sessionId: run.sessionId, source: run.create.source });
    return await recorder.trackInvocation({ ...run.input, sessionId: run.sessionId });
  } finally {
    await log.close();
  }
}
