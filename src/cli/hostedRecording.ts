import type { RecordingContext } from '../core/host/protocol';
import type { StoreEvent } from '../core/store/events';
import { RecordingLog } from '../core/store/recordingLog';
import { resolveDatabasePath, storePaths } from '../core/store/paths';
import type { RecordingToolContext } from '../core/tools/tool';
import { RunRecorder, type InvocationInput } from '../core/tracking/runRecorder';
import { KnownSessions } from '../core/tracking/sessionLookup';
import type { CliContext } from './context';

/** Asks the host what a recorder must know; undefined when the host cannot serve. */
export async function askHost(ctx: CliContext, id: string | undefined): Promise<RecordingContext | undefined> {
  return (await ctx.viaHost('session', id === undefined ? {} : { id })) as RecordingContext | undefined;
}

/** This process's log segment on the command's store, its clock past the host's, and the sessions the host told of. */
export function recordingOn(ctx: CliContext, known: RecordingContext): { log: RecordingLog; sessions: KnownSessions } {
  const paths = storePaths(resolveDatabasePath(ctx.dbPath()));
  return { log: new RecordingLog(paths, known.latestStamp), sessions: new KnownSessions(paths.salt) };
}

export interface HostedRun {
  /** The session to record in; it is created under this id (a daily session) when `create` is set and the host does not know it. */
  sessionId: string;
  create?: { source: string };
  userId: string;
  input: Omit<InvocationInput, 'sessionId'>;
  /** Events that belong to the run (a CI stage's pipeline context), written after it to the same log. */
  follow?: (invocationId: number) => StoreEvent[];
}

/**
 * Records one run with the store host on, without loading the store: the host is asked only what a
 * recorder must know (the session's owner, the clock, whether the store takes writes), and the run
 * goes into this process's own log segment, fdatasynced before the id is returned, as it would
 * without the host; the host applies it from the log. Undefined: the host is off or cannot serve,
 * and the caller opens the store itself.
 */
export async function recordViaHost(ctx: CliContext, run: HostedRun): Promise<number | undefined> {
  const known = await askHost(ctx, run.sessionId);
  if (!known) return undefined;
  if (known.readOnlyReason) throw new Error(known.readOnlyReason);
  const { log, sessions } = recordingOn(ctx, known);
  sessions.add(run.sessionId, known);
  try {
    const recorder = new RunRecorder(log, sessions, run.userId);
    if (run.create && !known.session) await recorder.createSession({ sessionId: run.sessionId, source: run.create.source });
    const id = await recorder.trackInvocation({ ...run.input, sessionId: run.sessionId });
    if (run.follow) await log.commit(run.follow(id));
    return id;
  } finally {
    await log.close();
  }
}

/**
 * The MCP server's recording with the store host on: an agent's runs go into this process's own log
 * segment, in a session of its own started at the first run and ended at close, and the store is
 * never loaded; a session the agent names is looked up by the host first.
 */
export class HostedRecorder {
  private readonly recorder: RunRecorder;
  private own: Promise<string> | undefined;
  private ownId: string | undefined;

  private constructor(
    private readonly ctx: CliContext,
    private readonly log: RecordingLog,
    private readonly sessions: KnownSessions,
    private readonly readOnlyReason: string | null,
    private readonly userId: string,
    private readonly source: string,
  ) {
    this.recorder = new RunRecorder(log, sessions, userId);
  }

  /** Undefined when the host cannot serve. */
  static async open(ctx: CliContext, userId: string, source: string): Promise<HostedRecorder | undefined> {
    const known = await askHost(ctx, undefined);
    if (!known) return undefined;
    const { log, sessions } = recordingOn(ctx, known);
    return new HostedRecorder(ctx, log, sessions, known.readOnlyReason, userId, source);
  }

  context(): RecordingToolContext {
    return {
      recorder: this.recorder,
      userId: this.userId,
      knowSession: (id) => this.knowSession(id),
      session: () => this.session(),
      existingSession: () => this.ownId,
      mayWrite: () => this.readOnlyReason === null,
    };
  }

  /** Ends the session this server started, if it did, and finishes its log segment. */
  async close(): Promise<void> {
    try {
      if (this.own) await this.recorder.endSession(await this.own);
    } finally {
      await this.log.close();
    }
  }

  private session(): Promise<string> {
    this.own ??= this.recorder.createSession({ source: this.source }).then(
      (id) => (this.ownId = id),
      (err: unknown) => {
        this.own = undefined;
        throw err;
      },
    );
    return this.own;
  }

  /** A session's owner never changes: the host is asked about each named session once. */
  private async knowSession(id: string): Promise<void> {
    if (id === this.ownId || this.sessions.knows(id)) return;
    const known = await askHost(this.ctx, id);
    if (!known) throw new Error(`the store host could not say whose session "${id}" is; nothing was recorded`);
    this.sessions.add(id, known);
  }
}
