import * as vscode from 'vscode';
import { outcomeFromExitCode } from '../../core/tracking/exitOutcome';
import { skillFromTask, type TaskDescription } from '../../core/tracking/taskSkill';
import type { CommandRecognition } from '../commandRecognition';
import { Disposable, toDisposable } from '../lifecycle';
import type { InvocationRecorder, PendingRun } from '../recorder';

function textOf(value: string | vscode.ShellQuotedString): string {
  return typeof value === 'string' ? value : value.value;
}

/** The command line a task runs, used only to recognise its skill. */
export function taskCommandLine(execution: vscode.Task['execution']): string | undefined {
  if (execution instanceof vscode.ShellExecution) {
    if (execution.commandLine) return execution.commandLine;
    if (execution.command === undefined) return undefined;
    return [execution.command, ...(execution.args ?? [])].map(textOf).join(' ');
  }
  if (execution instanceof vscode.ProcessExecution) return [execution.process, ...execution.args].join(' ');
  return undefined;
}

export function describeTask(task: vscode.Task): TaskDescription {
  const script = (task.definition as { script?: unknown }).script;
  return { label: task.name, type: task.definition.type, script: typeof script === 'string' ? script : undefined, commandLine: taskCommandLine(task.execution) };
}

export function taskSkill(task: vscode.Task, recognition: CommandRecognition): string {
  return skillFromTask(describeTask(task), (line) => recognition.taskSkills(line));
}

/**
 * Tasks that run a process: started with the process, finished with its exit code. The process ids
 * are shared with the terminal tracker, which ignores the shell executions of task terminals so
 * that a task is not counted twice.
 */
export class TaskTracker extends Disposable {
  private readonly running = new Map<vscode.TaskExecution, { run: PendingRun | undefined; pid: number }>();
  private readonly taskPids = new Set<number>();

  constructor(private readonly recorder: InvocationRecorder, private readonly recognition: CommandRecognition, private readonly log: vscode.LogOutputChannel) {
    super();
    this.register(vscode.tasks.onDidStartTaskProcess((e) => this.started(e)));
    this.register(vscode.tasks.onDidEndTaskProcess((e) => this.ended(e)));
    this.register(toDisposable(() => this.running.clear()));
  }

  /** Whether a terminal's shell is (or was a minute ago) a task's process. */
  isTaskProcess(pid: number | undefined): boolean {
    return pid !== undefined && this.taskPids.has(pid);
  }

  private started(e: vscode.TaskProcessStartEvent): void {
    this.taskPids.add(e.processId);
    const run = this.recorder.start(taskSkill(e.execution.task, this.recognition), 'task');
    this.running.set(e.execution, { run, pid: e.processId });
  }

  private ended(e: vscode.TaskProcessEndEvent): void {
    const entry = this.running.get(e.execution);
    if (!entry) return;
    this.running.delete(e.execution);
    // The terminal's last shell event may arrive after the task's end, so the pid is kept a while.
    setTimeout(() => this.taskPids.delete(entry.pid), 60_000).unref();
    const run = entry.run;
    run?.complete(outcomeFromExitCode(e.exitCode)).catch((err: Error) => this.log.error(`Could not record task ${run.skillName}: ${err.message}`));
  }
}
