import * as vscode from 'vscode';
import { exitCodeFromDebugOutput, outcomeFromExitCode } from '../../core/tracking/exitOutcome';
import { skillFromDebugType } from '../../core/tracking/taskSkill';
import { Disposable, toDisposable } from '../lifecycle';
import type { InvocationRecorder, PendingRun } from '../recorder';

interface DebugAdapterEvent {
  type?: string;
  event?: string;
  body?: { exitCode?: unknown; category?: unknown; output?: unknown };
}

interface DebugRun {
  run: PendingRun;
  exitCode?: number;
}

/**
 * Debug sessions as `debug-<type>` runs, from start to termination. The debuggee's exit code comes
 * from a debug adapter tracker: the adapter's `exited` event, or js-debug's "Process exited with
 * code N" line on stderr, since js-debug sends no `exited` event. A session stopped without one is
 * "terminated". Child sessions (a debugger's helpers) are part of their parent's run.
 */
export class DebugTracker extends Disposable {
  private readonly runs = new Map<string, DebugRun>();

  constructor(private readonly recorder: InvocationRecorder, private readonly log: vscode.LogOutputChannel) {
    super();
    this.register(vscode.debug.onDidStartDebugSession((s) => this.started(s)));
    this.register(vscode.debug.onDidTerminateDebugSession((s) => this.terminated(s)));
    this.register(vscode.debug.registerDebugAdapterTrackerFactory('*', { createDebugAdapterTracker: (s) => this.trackerFor(s) }));
    this.register(toDisposable(() => this.runs.clear()));
  }

  private trackerFor(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    const rootId = this.rootOf(session).id;
    return {
      onDidSendMessage: (message: DebugAdapterEvent) => {
        const exitCode = this.exitCodeIn(message);
        if (exitCode !== undefined) this.noteExit(rootId, exitCode);
      },
    };
  }

  private exitCodeIn(message: DebugAdapterEvent): number | undefined {
    if (message.type !== 'event') return undefined;
    if (message.event === 'exited' && typeof message.body?.exitCode === 'number') return message.body.exitCode;
    if (message.event === 'output' && message.body?.category === 'stderr' && typeof message.body.output === 'string') return exitCodeFromDebugOutput(message.body.output);
    return undefined;
  }

  private rootOf(session: vscode.DebugSession): vscode.DebugSession {
    let root = session;
    while (root.parentSession) root = root.parentSession;
    return root;
  }

  private noteExit(rootId: string, exitCode: number): void {
    const entry = this.runs.get(rootId);
    // A non-zero code from any process of the session is the session's code.
    if (entry && (entry.exitCode === undefined || entry.exitCode === 0)) entry.exitCode = exitCode;
  }

  private started(session: vscode.DebugSession): void {
    if (session.parentSession) return;
    const run = this.recorder.start(skillFromDebugType(session.type), 'debug');
    if (run) this.runs.set(session.id, { run });
  }

  private terminated(session: vscode.DebugSession): void {
    const entry = this.runs.get(session.id);
    if (!entry) return;
    this.runs.delete(session.id);
    entry.run.complete(outcomeFromExitCode(entry.exitCode)).catch((err: Error) => this.log.error(`Could not record debug session ${entry.run.skillName}: ${err.message}`));
  }
}
