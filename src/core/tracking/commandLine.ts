/**
 * Command line → skills. A terminal command line (`VAR=1 uv run pytest -x && git commit -m "…"`) is read the way
 * a POSIX shell splits it, each part of the chain is matched against the rules of skillRules.ts, and only skill
 * names come out (`pytest-run`, `git-commit`). Privacy: no argument, path, value or quoted text is ever copied
 * into a result. The only words of the line that can appear in a skill name are an npm/pnpm/yarn script or make
 * target that the workspace defines (see workspaceNames.ts) and that looks like an identifier, and, with
 * `trackUnknown`, an unrecognised program's own name.
 * Whatever cannot be read safely (expansions, `$(…)`, backticks) is never matched; this never throws.
 */
import {
  BUILTIN_INDEX,
  LAUNCHERS,
  MAKE_PROGRAMS,
  NODE_FLAGS,
  NPM_SCRIPT_SHORTHANDS,
  PACKAGE_MANAGER_COMMANDS,
  PACKAGE_MANAGERS,
  PROGRAM_FLAGS,
  PYTHON_PROGRAM,
  PYTHON_VALUE_FLAGS,
  RUN_SCRIPT_WORDS,
  RUNS_BINARIES_DIRECTLY,
  SHELL_BUILTINS,
  SHELL_KEYWORD_PREFIXES,
  SHELL_NON_COMMANDS,
  SIMPLE_SCRIPT_NAME,
  WRAPPERS,
  compileUserRules,
  indexRules,
  programName,
  type CommandRule,
  type FlagSpec,
  type RuleIndex,
  type UserSkillRule,
  type WrapperSpec,
} from './skillRules';

import { NO_WORKSPACE_NAMES, type WorkspaceNames } from './workspaceNames';

export { validateUserRules, type UserSkillRule } from './skillRules';

export interface CommandLineOptions {
  /** The `sessionBuddy.skillRules` setting; these rules win over the built-in ones. Invalid rules are skipped. */
  rules?: readonly UserSkillRule[];
  /** Also record commands no rule knows, as `cmd-<program name>`. Off by default. */
  trackUnknown?: boolean;
  /** The scripts and make targets the workspace defines; other names are recorded as `npm-run`, `make`… */
  workspace?: WorkspaceNames;
}

/** Longer lines are read up to this length; the word the cut falls in is dropped. */
export const MAX_COMMAND_LINE_CHARS = 100_000;
/** A pasted script must not flood the store with invocations that all share one exit code. */
export const MAX_SKILLS_PER_LINE = 32;
/** `npx uv run python -m pytest` is three launchers deep; more is not a real command. */
const MAX_LAUNCH_DEPTH = 4;

/** The skills a command line runs, one per recognised part of its chain, in order. */
export function skillsFromCommandLine(commandLine: string, options: CommandLineOptions = {}): string[] {
  if (typeof commandLine !== 'string' || commandLine === '') return [];
  const rules = indexRules(compileUserRules(options.rules));
  const skills: string[] = [];
  for (const part of commandParts(commandLine)) {
    const skill = skillOfPart(part, rules, options.workspace ?? NO_WORKSPACE_NAMES, options.trackUnknown === true);
    if (skill) skills.push(skill);
    if (skills.length === MAX_SKILLS_PER_LINE) break;
  }
  return skills;
}

function skillOfPart(part: readonly Word[], rules: RuleIndex, workspace: WorkspaceNames, trackUnknown: boolean): string | null {
  const resolution = resolve(part, rules, workspace, 0);
  if (!resolution) return null;
  if ('skill' in resolution) return resolution.skill;
  return trackUnknown ? unknownCommandSkill(resolution.unknown) : null;
}

// ---------------------------------------------------------------------------------------------------------
// Reading the line: shell words, split into the parts of a chain.

/** One shell word after quote removal. */
interface Word {
  readonly text: string;
  /** Part of it comes from an expansion (`$HOME`, `$(…)`, backticks), so its real value is unknown. */
  readonly dynamic: boolean;
  /** `NAME=value` written as a shell assignment (name and `=` unquoted). */
  readonly assignment: boolean;
}

const BLANKS = new Set([' ', '\t', '\r', '\f', '\v']);
const OPERATORS = new Set(['|', '&', ';', '(', ')']);
const WORD_END = new Set([...BLANKS, '\n', ...OPERATORS, '<', '>']);
const ESCAPABLE = new Set([...WORD_END, "'", '"', '\\', '$', '`', '#', '*', '?', '[', ']', '{', '}', '~', '!', '=']);
const ESCAPABLE_IN_DOUBLE_QUOTES = new Set(['$', '`', '"', '\\', '\n']);
const ASSIGNMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function commandParts(commandLine: string): Word[][] {
  if (commandLine.length <= MAX_COMMAND_LINE_CHARS) return new CommandLineReader(commandLine).parts();
  // The cut may fall inside a word, which would then read as a different, shorter one: drop the last word.
  const parts = new CommandLineReader(commandLine.slice(0, MAX_COMMAND_LINE_CHARS)).parts();
  parts[parts.length - 1]?.pop();
  return parts.filter((part) => part.length > 0);
}

/**
 * A single pass over the line, POSIX-shell style: quotes, escapes, comments, redirections (their targets and
 * here-document bodies are dropped), and the operators `&& || ; | & ( )` and newlines, which end a part.
 * Backslashes that escape nothing are kept, so Windows paths (`.\node_modules\.bin\jest.cmd`) survive.
 */
class CommandLineReader {
  private i = 0;
  private words: Word[] = [];
  private readonly found: Word[][] = [];
  private readonly heredocs: { delimiter: string; stripTabs: boolean }[] = [];

  constructor(private readonly s: string) {}

  parts(): Word[][] {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (BLANKS.has(c)) this.i++;
      else if (c === '\n') {
        this.i++;
        this.endPart();
        this.skipHeredocBodies();
      } else if (c === '#') this.skipComment();
      else if (c === '<' || c === '>' || (c === '&' && s[this.i + 1] === '>')) this.redirection();
      else if (OPERATORS.has(c)) {
        this.i++;
        this.endPart();
      } else if (this.skipFdBeforeRedirection()) this.redirection();
      else this.words.push(this.word());
    }
    this.endPart();
    return this.found;
  }

  private endPart(): void {
    if (this.words.length) this.found.push(this.words);
    this.words = [];
  }

  private skipComment(): void {
    const end = this.s.indexOf('\n', this.i);
    this.i = end < 0 ? this.s.length : end;
  }

  /** `2>&1`, `2> err.log`: the digits name a file descriptor, not an argument. */
  private skipFdBeforeRedirection(): boolean {
    let j = this.i;
    while (j < this.s.length && this.s[j] >= '0' && this.s[j] <= '9') j++;
    if (j === this.i || (this.s[j] !== '<' && this.s[j] !== '>')) return false;
    this.i = j;
    return true;
  }

  /** `> out`, `>> out`, `&> out`, `2>&1`, `< in`, `<<< word`, `<< EOF`, `<(…)`: nothing here is a command. */
  private redirection(): void {
    const s = this.s;
    if (s[this.i] === '&') this.i++;
    const direction = s[this.i];
    if (s[this.i + 1] === '(') {
      this.i = skipBalanced(s, this.i + 1);
      this.words.push({ text: '', dynamic: true, assignment: false });
      return;
    }
    this.i++;
    let heredoc = false;
    let stripTabs = false;
    if (direction === '<' && s[this.i] === '<') {
      this.i++;
      if (s[this.i] === '<') this.i++;
      else {
        heredoc = true;
        stripTabs = s[this.i] === '-';
        if (stripTabs) this.i++;
      }
    } else if (s[this.i] === '>' || s[this.i] === '&' || s[this.i] === '|') this.i++;
    while (this.i < s.length && BLANKS.has(s[this.i])) this.i++;
    if (this.i >= s.length || WORD_END.has(s[this.i])) return;
    const target = this.word();
    if (heredoc) this.heredocs.push({ delimiter: target.text, stripTabs });
  }

  /** After the newline that ends a command, the bodies of its here-documents follow. */
  private skipHeredocBodies(): void {
    const s = this.s;
    for (const { delimiter, stripTabs } of this.heredocs) {
      while (this.i < s.length) {
        const newline = s.indexOf('\n', this.i);
        const end = newline < 0 ? s.length : newline;
        let line = s.slice(this.i, end).replace(/\r$/, '');
        if (stripTabs) line = line.replace(/^\t+/, '');
        this.i = Math.min(end + 1, s.length);
        if (line === delimiter) break;
      }
    }
    this.heredocs.length = 0;
  }

  private word(): Word {
    const s = this.s;
    let text = '';
    let dynamic = false;
    /** Length of the text read before the first quote, escape or expansion (for assignments). */
    let plainLength = -1;
    const markQuoted = (): void => {
      if (plainLength < 0) plainLength = text.length;
    };
    while (this.i < s.length) {
      const c = s[this.i];
      if (WORD_END.has(c)) break;
      if (c === '\\') {
        const next = s[this.i + 1];
        if (next === '\n') this.i += 2;
        else if (next !== undefined && ESCAPABLE.has(next)) {
          markQuoted();
          text += next;
          this.i += 2;
        } else {
          text += c;
          this.i++;
        }
      } else if (c === "'") {
        markQuoted();
        const end = s.indexOf("'", this.i + 1);
        const stop = end < 0 ? s.length : end;
        text += s.slice(this.i + 1, stop);
        this.i = stop + 1;
      } else if (c === '"') {
        markQuoted();
        const quoted = this.doubleQuoted();
        text += quoted.text;
        dynamic ||= quoted.dynamic;
      } else if (c === '`') {
        markQuoted();
        dynamic = true;
        this.i = skipBackticks(s, this.i);
      } else if (c === '$') {
        markQuoted();
        const literal = this.dollar(false);
        if (literal === null) dynamic = true;
        else text += literal;
      } else {
        text += c;
        this.i++;
      }
    }
    const equals = text.indexOf('=');
    const assignment = equals > 0 && (plainLength < 0 || equals < plainLength) && ASSIGNMENT_NAME.test(text.slice(0, equals));
    return { text, dynamic, assignment };
  }

  private doubleQuoted(): { text: string; dynamic: boolean } {
    const s = this.s;
    let text = '';
    let dynamic = false;
    this.i++;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '"') {
        this.i++;
        break;
      }
      if (c === '\\' && ESCAPABLE_IN_DOUBLE_QUOTES.has(s[this.i + 1])) {
        if (s[this.i + 1] !== '\n') text += s[this.i + 1];
        this.i += 2;
      } else if (c === '`') {
        dynamic = true;
        this.i = skipBackticks(s, this.i);
      } else if (c === '$') {
        const literal = this.dollar(true);
        if (literal === null) dynamic = true;
        else text += literal;
      } else {
        text += c;
        this.i++;
      }
    }
    return { text, dynamic };
  }

  /** At a `$`: consumes an expansion and returns null (its value is unknown), or returns the literal text. */
  private dollar(inDoubleQuotes: boolean): string | null {
    const s = this.s;
    const next = s[this.i + 1] ?? '';
    if (next === '(' || next === '{') {
      this.i = skipBalanced(s, this.i + 1);
      return null;
    }
    if (/^[A-Za-z_]$/.test(next)) {
      this.i += 2;
      while (this.i < s.length && /^[A-Za-z0-9_]$/.test(s[this.i])) this.i++;
      return null;
    }
    if (/^[0-9@*#?$!-]$/.test(next)) {
      this.i += 2;
      return null;
    }
    if (!inDoubleQuotes && next === "'") return this.ansiCQuoted();
    this.i++;
    // `$"…"` is a double-quoted string; the quote itself is read next.
    return !inDoubleQuotes && next === '"' ? '' : '$';
  }

  /** `$'…'`: backslash escapes are reduced to the escaped character, which is enough to match words. */
  private ansiCQuoted(): string {
    const s = this.s;
    let text = '';
    this.i += 2;
    while (this.i < s.length && s[this.i] !== "'") {
      if (s[this.i] === '\\' && this.i + 1 < s.length) this.i++;
      text += s[this.i];
      this.i++;
    }
    this.i++;
    return text;
  }
}

/** Index just past the bracket that closes the `(` or `{` at `start` (or the end of the line). */
function skipBalanced(s: string, start: number): number {
  const open = s[start];
  const close = open === '(' ? ')' : '}';
  let depth = 0;
  for (let j = start; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') j++;
    else if (c === "'") {
      const end = s.indexOf("'", j + 1);
      if (end < 0) return s.length;
      j = end;
    } else if (c === '"') j = closingDoubleQuote(s, j);
    else if (c === '`') j = skipBackticks(s, j) - 1;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return j + 1;
  }
  return s.length;
}

function closingDoubleQuote(s: string, start: number): number {
  for (let j = start + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '"') return j;
  }
  return s.length;
}

/** Index just past the backtick that closes the one at `start` (or the end of the line). */
function skipBackticks(s: string, start: number): number {
  for (let j = start + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '`') return j + 1;
  }
  return s.length;
}

// ---------------------------------------------------------------------------------------------------------
// Matching one part of the chain.

type Resolution = { readonly skill: string } | { readonly unknown: Word } | null;

/** A plain (non-flag) word after the program, and whether every flag before it was one we know how to read. */
interface Positional {
  readonly word: Word;
  readonly index: number;
  readonly certain: boolean;
}

const NO_FLAGS: FlagSpec = { value: new Set(), boolean: new Set(), optionalNumber: new Set() };

/**
 * User rules first, then launchers (`uv run X` is whatever X is), then the built-in rules, then npm scripts and
 * make targets. A command no rule knows is reported as unknown only when its program word was read with
 * certainty (an unknown flag of a wrapper could have swallowed the real program name).
 */
function resolve(words: readonly Word[], rules: RuleIndex, workspace: WorkspaceNames, depth: number): Resolution {
  const found = commandAfterWrappers(words);
  if (!found) return null;
  const [head, ...args] = found.command;
  if (head.dynamic || head.text.startsWith('-')) return null;
  const program = programName(head.text);
  if (!program) return null;
  const positional = positionals(args, PROGRAM_FLAGS.get(program) ?? NO_FLAGS);
  const userSkill = matchRule(rules.get(program), positional);
  if (userSkill) return { skill: userSkill };
  const inner = depth < MAX_LAUNCH_DEPTH ? launchedCommand(program, args, positional, rules) : null;
  const launched = inner ? resolve(inner, rules, workspace, depth + 1) : null;
  if (launched && 'skill' in launched) return launched;
  const skill = matchRule(BUILTIN_INDEX.get(program), positional) ?? scriptOrTargetSkill(program, positional, workspace);
  if (skill) return { skill };
  return found.certain ? { unknown: head } : null;
}

/** Drops `VAR=1`, `env …`, `sudo …`, `time`, `nohup`, `exec`, `if`/`then`/`!`… in front of the command. */
function commandAfterWrappers(words: readonly Word[]): { command: Word[]; certain: boolean } | null {
  let i = 0;
  let certain = true;
  while (i < words.length) {
    const word = words[i];
    if (word.assignment) {
      i++;
      continue;
    }
    if (word.dynamic) break;
    if (SHELL_KEYWORD_PREFIXES.has(word.text)) {
      i++;
      continue;
    }
    if (SHELL_NON_COMMANDS.has(word.text)) return null;
    const wrapper = WRAPPERS.get(programName(word.text));
    if (!wrapper) break;
    const after = skipWrapperOptions(words, i + 1, wrapper);
    if (!after) return null;
    i = after.index;
    certain &&= after.certain;
  }
  return i < words.length ? { command: words.slice(i), certain } : null;
}

function skipWrapperOptions(words: readonly Word[], start: number, spec: WrapperSpec): { index: number; certain: boolean } | null {
  let certain = true;
  let leading = spec.leadingArguments;
  let i = start;
  for (; i < words.length; i++) {
    const word = words[i];
    if (spec.stop.has(word.text)) return null;
    if (word.text === '--') return { index: i + 1, certain };
    if (spec.boolean.has(word.text) || spec.pattern?.test(word.text)) continue;
    if (isFlag(word)) {
      if (spec.value.has(word.text)) i++;
      else if (!word.text.includes('=')) certain = false;
    } else if (spec.assignments && word.assignment) continue;
    else if (leading > 0) leading--;
    else break;
  }
  return { index: i, certain };
}

function isFlag(word: Word): boolean {
  return word.text.length > 1 && word.text.startsWith('-');
}

function positionals(args: readonly Word[], flags: FlagSpec): Positional[] {
  const found: Positional[] = [];
  let certain = true;
  let afterDoubleDash = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    const text = word.text;
    if (afterDoubleDash) found.push({ word, index: i, certain });
    else if (text === '--' && !word.dynamic) afterDoubleDash = true;
    else if (isFlag(word)) {
      if (text.includes('=')) continue;
      if (flags.value.has(text)) i++;
      else if (flags.optionalNumber.has(text)) {
        if (/^\d+$/.test(args[i + 1]?.text ?? '')) i++;
      } else if (!flags.boolean.has(text) && !flags.pattern?.test(text)) certain = false;
    } else if (flags.toolchain && text.startsWith('+')) continue;
    else if (flags.assignments && word.assignment) continue;
    else found.push({ word, index: i, certain });
  }
  return found;
}

function startsWith(found: readonly Positional[], words: readonly string[]): boolean {
  return words.every((expected, k) => found[k] !== undefined && !found[k].word.dynamic && found[k].word.text === expected);
}

function matchRule(rules: readonly CommandRule[] | undefined, found: readonly Positional[]): string | null {
  return rules?.find((rule) => startsWith(found, rule.words))?.skill ?? null;
}

/** The command a launcher runs (`npx jest@29 --ci` → `jest --ci`), or null. */
function launchedCommand(program: string, args: readonly Word[], found: readonly Positional[], rules: RuleIndex): Word[] | null {
  if (PYTHON_PROGRAM.test(program)) return pythonModule(args);
  if (program === 'node') return nodePackageTool(args);
  for (const words of LAUNCHERS.get(program) ?? []) {
    if (!startsWith(found, words)) continue;
    const target = found[words.length];
    return target ? [withoutVersion(target.word), ...args.slice(target.index + 1)] : null;
  }
  const first = found[0];
  if (RUNS_BINARIES_DIRECTLY.has(program) && first && !first.word.dynamic && isKnownProgram(programName(first.word.text), rules)) {
    return args.slice(first.index);
  }
  return null;
}

function isKnownProgram(program: string, rules: RuleIndex): boolean {
  return !PACKAGE_MANAGERS.has(program) && (BUILTIN_INDEX.has(program) || rules.has(program));
}

/** `jest@29` → `jest`, `@scope/tool@1.2` → `@scope/tool`. */
function withoutVersion(word: Word): Word {
  return { ...word, text: word.text.replace(/^(@?[^@]+)@.*$/s, '$1') };
}

/** `python -X dev -m pytest -q` → `pytest -q`; a script or `-c` code runs no module. */
function pythonModule(args: readonly Word[]): Word[] | null {
  for (let i = 0; i < args.length; i++) {
    const { text, dynamic } = args[i];
    if (dynamic || !isFlag(args[i])) return null;
    if (text === '-m') return args[i + 1] ? args.slice(i + 1) : null;
    if (text.startsWith('-m')) return [{ ...args[i], text: text.slice(2) }, ...args.slice(i + 1)];
    if (text.startsWith('-c')) return null;
    if (PYTHON_VALUE_FLAGS.has(text)) i++;
  }
  return null;
}

/** `node node_modules/.bin/jest`, `node ./node_modules/typescript/bin/tsc` run that package's tool. */
function nodePackageTool(args: readonly Word[]): Word[] | null {
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word.dynamic || NODE_FLAGS.code.has(word.text)) return null;
    if (isFlag(word)) {
      if (NODE_FLAGS.value.has(word.text)) i++;
      continue;
    }
    if (!/(?:^|[\\/])node_modules[\\/]/.test(word.text)) return null;
    return [{ ...word, text: word.text.replace(/\.[cm]?js$/i, '') }, ...args.slice(i + 1)];
  }
  return null;
}

/**
 * `npm run build` → `npm-run-build`, `yarn lint` → `yarn-run-lint`, `make docs` → `make-docs`, bare `yarn`, when
 * the workspace defines that script or target; otherwise `npm-run`, `yarn-run`, `make`.
 */
function scriptOrTargetSkill(program: string, found: readonly Positional[], workspace: WorkspaceNames): string | null {
  if (MAKE_PROGRAMS.has(program)) return named('make', found[0], workspace.targets);
  if (!PACKAGE_MANAGERS.has(program)) return null;
  const first = found[0];
  if (!first) return program === 'yarn' ? 'yarn-install' : null;
  if (first.word.dynamic) return null;
  const word = first.word.text;
  if (RUN_SCRIPT_WORDS.has(word)) return named(`${program}-run`, found[1], workspace.scripts);
  if (program === 'npm') return NPM_SCRIPT_SHORTHANDS.has(word) ? `npm-run-${word}` : null;
  if (PACKAGE_MANAGER_COMMANDS.get(program)?.has(word) || !isSimpleName(first)) return null;
  return named(`${program}-run`, first, workspace.scripts);
}

/** `<base>-<name>` when the name is an identifier read with certainty that the workspace defines, else `<base>`. */
function named(base: string, target: Positional | undefined, defined: ReadonlySet<string>): string {
  return target && isSimpleName(target) && defined.has(target.word.text) ? `${base}-${target.word.text.toLowerCase()}` : base;
}

function isSimpleName(target: Positional): boolean {
  return target.certain && !target.word.dynamic && SIMPLE_SCRIPT_NAME.test(target.word.text);
}

const LOOKS_LIKE_PROGRAM = /^[A-Za-z][A-Za-z0-9._+-]{0,31}$/;

/**
 * `cmd-<program>` for a command no rule knows: the last path component, extension removed, lower-cased. A word
 * that does not look like a program name is dropped, because "command not found" is also what a secret pasted
 * into the terminal by mistake produces (`AKIA…`, `ghp_…`, long digit runs).
 */
function unknownCommandSkill(head: Word): string | null {
  const text = head.text;
  const base = text.slice(Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\')) + 1).replace(/(.)\.[A-Za-z0-9]{1,4}$/, '$1');
  if (!LOOKS_LIKE_PROGRAM.test(base) || /\d{4}/.test(base) || (/[A-Z]/.test(base) && /\d/.test(base))) return null;
  const name = base.toLowerCase().replace(/\+/g, 'p').replace(/[-._]+$/, '');
  return SHELL_BUILTINS.has(name) ? null : `cmd-${name}`;
}
