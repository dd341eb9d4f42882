import fs from 'node:fs';
import path from 'node:path';
import { appendAll } from '../collections';

/**
 * The npm/pnpm/yarn script names and make targets a workspace defines. A script or target name
 * typed on a command line becomes part of a skill name only when it is one of these: anything else
 * typed after `npm run` or `make` could be user data (`npm run deploy:sk-live-…`), so it is recorded
 * as the generic `npm-run` / `make`.
 */
export interface WorkspaceNames {
  scripts: ReadonlySet<string>;
  targets: ReadonlySet<string>;
}

export const NO_WORKSPACE_NAMES: WorkspaceNames = { scripts: new Set(), targets: new Set() };

const MAKEFILES = ['GNUmakefile', 'makefile', 'Makefile'];
/** A package.json or Makefile larger than this is not read (a generated file, not a project's own). */
const MAX_FILE_BYTES = 1024 * 1024;
/** `build test: deps`, not `VAR := value`, not `.PHONY:`, not a recipe line. */
const RULE_LINE = /^([A-Za-z0-9][^:#=\s]*(?:[ \t]+[A-Za-z0-9][^:#=\s]*)*)[ \t]*::?(?!=)/;

function readSmall(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return st.isFile() && st.size <= MAX_FILE_BYTES ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

export function scriptsOf(packageJson: string): string[] {
  try {
    const scripts = (JSON.parse(packageJson) as { scripts?: unknown }).scripts;
    return scripts && typeof scripts === 'object' && !Array.isArray(scripts) ? Object.keys(scripts) : [];
  } catch {
    return [];
  }
}

export function targetsOf(makefile: string): string[] {
  const targets: string[] = [];
  for (const line of makefile.split(/\r?\n/)) {
    const match = RULE_LINE.exec(line);
    if (match) appendAll(targets, match[1].split(/[ \t]+/));
  }
  return targets;
}

/** The names defined at the top of each folder: its package.json scripts and its makefile's targets. */
export function readWorkspaceNames(folders: readonly string[]): WorkspaceNames {
  const scripts = new Set<string>();
  const targets = new Set<string>();
  for (const folder of folders) {
    const pkg = readSmall(path.join(folder, 'package.json'));
    if (pkg !== undefined) for (const name of scriptsOf(pkg)) scripts.add(name);
    const makefile = MAKEFILES.map((name) => readSmall(path.join(folder, name))).find((text) => text !== undefined);
    if (makefile !== undefined) for (const name of targetsOf(makefile)) targets.add(name);
  }
  return { scripts, targets };
}
