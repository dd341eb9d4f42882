import { SIMPLE_SCRIPT_NAME } from './skillRules';

/**
 * The skill name of an editor task or debug session. Only the name is derived here, and only from
 * the task's label, its npm script or its command line through the command-line rules: nothing of
 * the command line itself is ever kept.
 */

/** What the editor tells us about a task, reduced to plain values. */
export interface TaskDescription {
  label: string;
  /** The task definition's type ('npm', 'shell', 'process', 'typescript'…). */
  type: string;
  /** The npm script of an npm task. */
  script?: string;
  /** The command line the task runs, when it runs one; used only to recognise a skill. */
  commandLine?: string;
}

/** Recognises the skills of a command line (the command-line rules, unknown commands ignored). */
export type CommandLineRecogniser = (commandLine: string) => string[];

const MAX_SLUG = 80;

/** Lower-case words of [a-z0-9] joined by '-': a fragment that is safe inside a skill name. */
export function skillSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
}

/**
 * A label may name files ("tsc: build - src/tsconfig.json"); words holding a path separator are
 * dropped so that no path reaches the skill name.
 */
function labelSlug(label: string): string {
  const words = label.split(/\s+/).filter((word) => !/[\\/]/.test(word));
  return skillSlug(words.join(' ')) || 'unnamed';
}

/**
 * The skill of a task: the command-line rules first (a shell task running `pytest` is `pytest-run`),
 * then npm scripts (`npm-test`, `npm-run-<script>`), then `task-<label>`.
 */
export function skillFromTask(task: TaskDescription, recognise: CommandLineRecogniser): string {
  const recognised = task.commandLine ? recognise(task.commandLine) : [];
  if (recognised.length > 0) return recognised[0];
  if (task.type === 'npm' && task.script !== undefined) {
    const script = task.script.trim().toLowerCase();
    if (script === 'test') return 'npm-test';
    // The same rule as the command-line reader: a script name that could be user data is left out.
    return SIMPLE_SCRIPT_NAME.test(script) ? `npm-run-${script}` : 'npm-run';
  }
  return `task-${labelSlug(task.label)}`;
}

/** The skill of a debug session: `debug-<type>` (`debug-python`, `debug-node`…). */
export function skillFromDebugType(type: string): string {
  // js-debug runs "node" (and chrome, msedge) sessions under its own "pwa-" types.
  return `debug-${skillSlug(type.replace(/^pwa-/, '')) || 'unknown'}`;
}
