import * as vscode from 'vscode';
import type { RecommendationAction } from '../core/recommend/types';
import type { CommandRecognition } from './commandRecognition';
import { taskSkill } from './trackers/taskTracker';

const TERMINAL_NAME = 'Session Buddy';
/** Workspace tasks are re-read after this long (task providers can be slow). */
const TASK_CACHE_MS = 30_000;
/** How long a new terminal gets to report shell integration before the command is typed in blind. */
const SHELL_INTEGRATION_WAIT_MS = 3_000;
/**
 * How long, when its shell is one VS Code integrates with: on a busy machine a new bash can take
 * longer than 3 s to show its prompt, and text typed before that is echoed twice and not tracked.
 */
const INTEGRATED_SHELL_WAIT_MS = 15_000;
/** The shells VS Code injects its shell integration into (terminal.integrated.shellIntegration.enabled). */
const INTEGRATED_SHELLS: ReadonlySet<string> = new Set(['bash', 'zsh', 'fish', 'pwsh', 'gitbash']);

/** The file a command's tool reads from the folder it runs in. */
const PROJECT_FILES: Readonly<Record<string, string>> = { make: 'Makefile', npm: 'package.json', pnpm: 'package.json', yarn: 'package.json' };

/** How a recommendation will be run, resolved against this workspace. */
export type ResolvedRun = { kind: 'task'; task: vscode.Task } | { kind: 'command'; command: string } | undefined;

/**
 * Runs a skill the way the user would: the workspace task whose skill it is, else its command in
 * the "Session Buddy" terminal. Either way the trackers see the run, so it is recorded like any
 * other (a terminal without shell integration cannot report one, which the log says).
 */
export class SkillRunner {
  private tasks: { at: number; list: Promise<vscode.Task[]> } | undefined;

  constructor(private readonly recognition: CommandRecognition, private readonly log: vscode.LogOutputChannel) {}

  async resolve(skill: string, action: RecommendationAction): Promise<ResolvedRun> {
    const task = await this.findTask(skill);
    if (task) return { kind: 'task', task };
    if (action.kind === 'command' && action.command) return { kind: 'command', command: action.command };
    return undefined;
  }

  /** Words for the Run button's tooltip and label. */
  describe(run: ResolvedRun): string | undefined {
    if (!run) return undefined;
    return run.kind === 'task' ? `Run task "${run.task.name}"` : `Run "${run.command}" in a terminal`;
  }

  async run(skill: string, action: RecommendationAction): Promise<void> {
    const run = await this.resolve(skill, action);
    if (!run) {
      void vscode.window.showInformationMessage(`Session Buddy: no task or command is known for ${skill}.`);
      return;
    }
    this.log.info(`Running ${skill} (${run.kind === 'task' ? `task ${run.task.name}` : 'terminal command'})`);
    if (run.kind === 'task') await this.runTask(run.task);
    else await this.runInTerminal(run.command);
  }

  /**
   * Runs a copy of the task in a new terminal. VS Code keeps the terminal of a task whose last run
   * failed, and running the task again in that reused terminal never starts it (VS Code 1.100:
   * "Executing task" forever, Terminate Task does not end it, no process to record), whether
   * through tasks.executeTask or Run Task. A copy with the panel set to New starts afresh; the
   * trackers see it like any run of the task.
   */
  private async runTask(task: vscode.Task): Promise<void> {
    const copy = new vscode.Task(task.definition, task.scope ?? vscode.TaskScope.Workspace, task.name, task.source, task.execution, task.problemMatchers);
    copy.presentationOptions = { ...task.presentationOptions, panel: vscode.TaskPanelKind.New };
    copy.group = task.group;
    copy.isBackground = task.isBackground;
    copy.runOptions = task.runOptions;
    copy.detail = task.detail;
    await vscode.tasks.executeTask(copy);
  }

  private async findTask(skill: string): Promise<vscode.Task | undefined> {
    if (!this.tasks || Date.now() - this.tasks.at > TASK_CACHE_MS) {
      this.tasks = { at: Date.now(), list: Promise.resolve(vscode.tasks.fetchTasks()).catch(() => []) };
    }
    const tasks = await this.tasks.list;
    return tasks.find((task) => taskSkill(task, this.recognition) === skill);
  }

  private terminal(cwd: vscode.Uri | undefined): vscode.Terminal {
    const name = cwd ? `${TERMINAL_NAME} (${vscode.workspace.asRelativePath(cwd)})` : TERMINAL_NAME;
    const existing = vscode.window.terminals.find((t) => t.name === name && t.exitStatus === undefined);
    return existing ?? vscode.window.createTerminal({ name, cwd });
  }

  /**
   * Where a command runs: the workspace root, unless the file it needs (a Makefile for make, a
   * package.json for a package manager) is not there but in exactly one folder below it. Nothing
   * records where a skill ran (paths are never stored), so the workspace is asked.
   */
  private async folderFor(command: string): Promise<vscode.Uri | undefined> {
    const needs = Object.entries(PROJECT_FILES).find(([tool]) => command === tool || command.startsWith(`${tool} `))?.[1];
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!needs || !root) return undefined;
    const atRoot = await vscode.workspace.fs.stat(vscode.Uri.joinPath(root, needs)).then(() => true, () => false);
    if (atRoot) return undefined;
    const found = await vscode.workspace.findFiles(`**/${needs}`, '**/node_modules/**', 2);
    return found.length === 1 ? vscode.Uri.joinPath(found[0], '..') : undefined;
  }

  private async runInTerminal(command: string): Promise<void> {
    const terminal = this.terminal(await this.folderFor(command));
    terminal.show(true);
    const integration = terminal.shellIntegration ?? (await this.waitForShellIntegration(terminal));
    if (integration) {
      integration.executeCommand(command);
      return;
    }
    terminal.sendText(command, true);
    this.log.warn('The terminal has no shell integration, so this run cannot be tracked (its exit code is unknown).');
  }

  /**
   * Waits for the terminal's shell integration: 3 s, or up to 15 s when the shell is known to be
   * one VS Code integrates with and the integration is on (then it will come, and typing earlier
   * would go before the prompt); a window-progress message says why Run is waiting.
   */
  private waitForShellIntegration(terminal: vscode.Terminal): Promise<vscode.TerminalShellIntegration | undefined> {
    const arrived = new Promise<vscode.TerminalShellIntegration | undefined>((resolve) => {
      const started = Date.now();
      const giveUp = () => {
        const waited = Date.now() - started;
        if (waited < INTEGRATED_SHELL_WAIT_MS && this.integrationComing(terminal)) {
          timer = setTimeout(giveUp, INTEGRATED_SHELL_WAIT_MS - waited);
          return;
        }
        listener.dispose();
        resolve(undefined);
      };
      let timer = setTimeout(giveUp, SHELL_INTEGRATION_WAIT_MS);
      const listener = vscode.window.onDidChangeTerminalShellIntegration((e) => {
        if (e.terminal !== terminal) return;
        clearTimeout(timer);
        listener.dispose();
        resolve(e.shellIntegration);
      });
    });
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Session Buddy: waiting for the terminal\'s shell' }, () => arrived);
    return arrived;
  }

  private integrationComing(terminal: vscode.Terminal): boolean {
    const enabled = vscode.workspace.getConfiguration('terminal.integrated.shellIntegration').get<boolean>('enabled', true);
    const shell = terminal.state.shell;
    return enabled && shell !== undefined && INTEGRATED_SHELLS.has(shell);
  }
}
