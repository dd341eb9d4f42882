/**
 * What a command line names before the program is built: read by the launcher's early start of the
 * store host (hostPrestart.ts) as well as by the program, so both agree on what a line asks for.
 */

/** The command `args` name: the first word that is not a global option or the value of --db. */
export function commandNamed(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--db') i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return undefined;
}

/** The global --db option's value (`--db PATH` or `--db=PATH`), when given before the command. */
export function databaseOption(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--db') return args[i + 1];
    if (args[i].startsWith('--db=')) return args[i].slice('--db='.length);
    if (!args[i].startsWith('-')) return undefined;
  }
  return undefined;
}
