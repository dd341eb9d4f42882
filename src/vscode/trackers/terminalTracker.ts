import * as vscode from 'vscode';
import { outcomeFromExitCode } from '../../core/tracking/exitOutcome';
import { startTiming, type Timing } from '../../core/tracking/pendingRun';
import type { CommandRecognition } from '../commandRecognition';
import { Disposable, toDisposable } from '../lifecycle';
import type { InvocationRecorder, PendingRun } from '../recorder';
import type { TaskTracker } from './taskTracker';

interface Execution {
  timing: Timing;
  runs: PendingRun[];
}

/**
 * Terminal commands through shell integration: each recognised command of a command line is a run
 * of its skill, with the line's exit code and duration. The command line is read to name the skill
 * and then dropped; it is never stored or logged. Task terminals are left to the task tracker.
 */
export class TerminalTracker extends Disposable {
  private readonly executions = new Map<vscode.TerminalShellExecution, Execution>();

  constructor(
    private readonly recorder: InvocationRecorder,
    private readonly recognition: CommandRecognition,
    private readonly tasks: TaskTracker,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(vscode.window.onDidStartTerminalShellExecution((e) => this.started(e)));
    this.register(vscode.window.onDidEndTerminalShellExecution((e) => void this.ended(e)));
    this.register(toDisposable(() => this.executions.clear()));
  }

  private started(e: vscode.TerminalShellExecutionStartEvent): void {
    if (!this.recorder.isEnabled('terminal')) return;
    const skills = this.recognition.terminalSkills(e.execution.commandLine.value);
    const runs = skills.flatMap((skill) => this.recorder.start(skill, 'terminal') ?? []);
    this.executions.set(e.execution, { timing: startTiming(), runs });
  }

  private async ended(e: vscode.TerminalShellExecutionEndEvent): Promise<void> {
    const execution = this.executions.get(e.execution);
    if (!execution) return;
    this.executions.delete(e.execution);
    if (this.tasks.isTaskProcess(await e.terminal.processId)) return;
    const outcome = outcomeFromExitCode(e.exitCode);
    try {
      if (execution.runs.length > 0) {
        await Promise.all(execution.runs.map((run) => run.complete(outcome)));
        return;
      }
      // The command line is sometimes known only at the end (low-confidence detection at the start).
      const durationSeconds = execution.timing.elapsedSeconds();
      for (const skill of this.recognition.terminalSkills(e.execution.commandLine.value)) {
        await this.recorder.record(skill, 'terminal', { ...outcome, invokedAt: execution.timing.invokedAt, durationSeconds });
      }
    } catch (err) {
      this.log.error(`Could not record a terminal command: ${(err as Error).message}`);
    }
  }
}
