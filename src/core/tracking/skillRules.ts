/**
 * What Session Buddy knows about developer commands: the built-in command → skill rules, the flags of each
 * program that take a separate value (so a flag's value is never mistaken for a subcommand or a script name),
 * the wrappers (`sudo`, `env`, `time`…) and launchers (`npx`, `uv run`, `python -m`…) that run another command,
 * and the user rules of the `sessionBuddy.skillRules` setting. How a command line is read and matched against
 * these tables lives in commandLine.ts.
 */
import { SAFE_SKILL_NAME, SAFE_SKILL_NAME_MAX } from '../validation';

/**
 * An npm script or make target is kept in the skill name only when it looks like an identifier; anything else
 * (paths, values, long or odd words) could be user data, so the generic name is used instead.
 */
export const SIMPLE_SCRIPT_NAME = /^[a-z0-9][a-z0-9:_-]{0,39}$/i;

/** A rule from the `sessionBuddy.skillRules` setting: `{ "command": "pnpm lint", "skill": "eslint-check" }`. */
export interface UserSkillRule {
  /** The program's name, then optional leading subcommand words; flags and arguments are not matched. */
  readonly command: string;
  readonly skill: string;
}

/** A rule ready for matching: the program's normalised name and the subcommand words that must follow it. */
export interface CommandRule {
  readonly program: string;
  readonly words: readonly string[];
  readonly skill: string;
}

/** How a program's own flags are read while looking for its subcommand words. */
export interface FlagSpec {
  /** Flags whose value is the next word (`git -C dir commit`). */
  readonly value: ReadonlySet<string>;
  /** Flags known to take no value; any other flag makes the words after it uncertain. */
  readonly boolean: ReadonlySet<string>;
  /** Flags that take a number only when the next word is one (`make -j 4 test`, `make -j test`). */
  readonly optionalNumber: ReadonlySet<string>;
  /** More value-less flags, e.g. combined short options (`make -ks`, `make -j8`). */
  readonly pattern?: RegExp;
  /** `cargo +nightly test`: a `+toolchain` word is not a subcommand. */
  readonly toolchain?: boolean;
  /** `make CC=clang test`: assignments are not targets. */
  readonly assignments?: boolean;
}

/** A command that runs the rest of the line as another command (`sudo -u root pytest`). */
export interface WrapperSpec extends FlagSpec {
  /** Flags after which no command follows (`sudo -l`, `command -v pytest`). */
  readonly stop: ReadonlySet<string>;
  /** Plain words the wrapper takes before the command (`timeout 10s pytest`). */
  readonly leadingArguments: number;
}

interface FlagLists {
  value?: readonly string[];
  boolean?: readonly string[];
  optionalNumber?: readonly string[];
  pattern?: RegExp;
  toolchain?: boolean;
  assignments?: boolean;
}

function flagSpec(lists: FlagLists): FlagSpec {
  return {
    value: new Set(lists.value ?? []),
    boolean: new Set(lists.boolean ?? []),
    optionalNumber: new Set(lists.optionalNumber ?? []),
    pattern: lists.pattern,
    toolchain: lists.toolchain,
    assignments: lists.assignments,
  };
}

function wrapperSpec(lists: FlagLists & { stop?: readonly string[]; leadingArguments?: number }): WrapperSpec {
  return { ...flagSpec(lists), stop: new Set(lists.stop ?? []), leadingArguments: lists.leadingArguments ?? 0 };
}

const WINDOWS_EXECUTABLE = /\.(?:exe|cmd|bat|com|ps1)$/;

/**
 * The name a program is matched by: the last path component, lower-cased (Windows and macOS file systems are
 * case-insensitive), without a Windows executable suffix (`npm.cmd`, `python.exe`). Other suffixes stay:
 * `py.test` and `python3.12` are names, not extensions.
 */
export function programName(word: string): string {
  const base = word.slice(Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\')) + 1).toLowerCase();
  return base.replace(WINDOWS_EXECUTABLE, '');
}

/** `python`, `python3`, `python3.12`, `pythonw`, `pypy3` and the Windows `py` launcher. */
export const PYTHON_PROGRAM = /^(?:python|pythonw|pypy|py)(?:\d+(?:\.\d+)*)?$/;

const BUILTIN_TABLE: readonly (readonly [command: string, skill: string])[] = [
  // Python: tests, lint, format, types, security, coverage (`python -m x`, `uv run x`… reach these as `x`).
  ['pytest', 'pytest-run'],
  ['py.test', 'pytest-run'],
  ['ruff check', 'ruff-check'],
  ['ruff format', 'ruff-format'],
  ['black', 'black-format'],
  ['isort', 'isort'],
  ['mypy', 'mypy-check'],
  ['dmypy run', 'mypy-check'],
  ['dmypy check', 'mypy-check'],
  ['pyright', 'pyright-check'],
  ['pylint', 'pylint-check'],
  ['flake8', 'flake8-check'],
  ['bandit', 'bandit-security'],
  ['safety check', 'safety-check'],
  ['safety scan', 'safety-check'],
  ['coverage', 'coverage-report'],
  ['codespell', 'codespell'],
  ['crackerjack', 'crackerjack-run'],
  ['uv sync', 'uv-install'],
  ['uv pip install', 'uv-install'],
  ['uv pip sync', 'uv-install'],
  ['uv publish', 'pypi-publish'],
  ['twine upload', 'pypi-publish'],
  ['poetry publish', 'pypi-publish'],
  // Documentation.
  ['sphinx-build', 'sphinx-build'],
  ['sphinx', 'sphinx-build'],
  ['mkdocs build', 'mkdocs-build'],
  ['markdownlint', 'markdown-lint'],
  ['markdownlint-cli2', 'markdown-lint'],
  // JavaScript / TypeScript tools, however they are launched (npx, pnpm exec, yarn, node_modules/.bin).
  ['jest', 'jest-run'],
  ['vitest', 'vitest-run'],
  ['eslint', 'eslint-check'],
  ['tsc', 'tsc-check'],
  ['prettier', 'prettier-format'],
  // Package managers (`npm run <script>` and implicit `yarn <script>` are handled in commandLine.ts).
  ['npm test', 'npm-test'],
  ['npm t', 'npm-test'],
  ['npm tst', 'npm-test'],
  ['npm run test', 'npm-test'],
  ['npm run-script test', 'npm-test'],
  ['npm install', 'npm-install'],
  ['npm i', 'npm-install'],
  ['npm in', 'npm-install'],
  ['npm ins', 'npm-install'],
  ['npm add', 'npm-install'],
  ['npm ci', 'npm-install'],
  ['npm ic', 'npm-install'],
  ['npm clean-install', 'npm-install'],
  ['npm install-clean', 'npm-install'],
  ['npm audit', 'npm-audit'],
  ['npm publish', 'npm-publish'],
  ['pnpm test', 'pnpm-test'],
  ['pnpm t', 'pnpm-test'],
  ['pnpm tst', 'pnpm-test'],
  ['pnpm run test', 'pnpm-test'],
  ['pnpm install', 'pnpm-install'],
  ['pnpm i', 'pnpm-install'],
  ['pnpm add', 'pnpm-install'],
  ['pnpm ci', 'pnpm-install'],
  ['yarn test', 'yarn-test'],
  ['yarn run test', 'yarn-test'],
  ['yarn install', 'yarn-install'],
  ['yarn add', 'yarn-install'],
  // Go, Rust.
  ['go test', 'go-test'],
  ['go build', 'go-build'],
  ['go vet', 'go-vet'],
  ['cargo test', 'cargo-test'],
  ['cargo t', 'cargo-test'],
  ['cargo build', 'cargo-build'],
  ['cargo b', 'cargo-build'],
  ['cargo clippy', 'cargo-clippy'],
  ['cargo fmt', 'cargo-fmt'],
  // Version control.
  ['git commit', 'git-commit'],
  ['git push', 'git-push'],
  ['git pull', 'git-pull'],
  ['git merge', 'git-merge'],
  ['git rebase', 'git-rebase'],
  ['git status', 'git-status'],
  ['git diff', 'git-diff'],
  ['gh release create', 'github-release'],
  // Build and deploy.
  ['docker build', 'docker-build'],
  ['docker buildx build', 'docker-build'],
  ['docker image build', 'docker-build'],
  ['docker builder build', 'docker-build'],
  ['docker push', 'docker-push'],
  ['docker image push', 'docker-push'],
  ['docker compose up', 'docker-compose-up'],
  ['docker-compose up', 'docker-compose-up'],
  ['kubectl apply', 'k8s-deploy'],
  ['helm install', 'helm-deploy'],
  ['helm upgrade', 'helm-deploy'],
  ['terraform plan', 'terraform-plan'],
  ['terraform apply', 'terraform-apply'],
];

function commandRule(command: string, skill: string): CommandRule {
  const [program, ...words] = command.split(' ');
  return { program: programName(program), words, skill };
}

export const BUILTIN_RULES: readonly CommandRule[] = BUILTIN_TABLE.map(([command, skill]) => commandRule(command, skill));

/** Package managers whose `run <script>` (and, for pnpm and yarn, bare `<script>`) becomes `<pm>-run-<script>`. */
export const PACKAGE_MANAGERS: ReadonlySet<string> = new Set(['npm', 'pnpm', 'yarn']);

/** `npm run`, `npm run-script` and npm's own spellings of them. */
export const RUN_SCRIPT_WORDS: ReadonlySet<string> = new Set(['run', 'run-script', 'rum', 'urn']);

/** npm's shorthands for `npm run <word>`. */
export const NPM_SCRIPT_SHORTHANDS: ReadonlySet<string> = new Set(['start', 'stop', 'restart']);

/**
 * pnpm and yarn run a script named by their first word unless the word is one of their own commands; those are
 * listed here so `yarn why` or `pnpm store prune` is not taken for a script.
 */
export const PACKAGE_MANAGER_COMMANDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['pnpm', new Set(['add', 'audit', 'bin', 'ci', 'config', 'create', 'dedupe', 'deploy', 'dlx', 'doctor', 'env', 'exec', 'fetch', 'help', 'i', 'import', 'init', 'install', 'install-test', 'licenses', 'link', 'list', 'ln', 'ls', 'outdated', 'pack', 'patch', 'patch-commit', 'prune', 'publish', 'rb', 'rebuild', 'remove', 'rm', 'root', 'run', 'self-update', 'server', 'setup', 'store', 't', 'test', 'tst', 'uninstall', 'unlink', 'up', 'update', 'upgrade', 'why'])],
  ['yarn', new Set(['add', 'audit', 'autoclean', 'bin', 'cache', 'check', 'config', 'constraints', 'create', 'dedupe', 'dlx', 'exec', 'explain', 'generate-lock-entry', 'global', 'help', 'import', 'info', 'init', 'install', 'licenses', 'link', 'list', 'login', 'logout', 'node', 'npm', 'outdated', 'owner', 'pack', 'patch', 'patch-commit', 'plugin', 'policies', 'publish', 'rebuild', 'remove', 'run', 'set', 'stage', 'tag', 'team', 'test', 'unlink', 'unplug', 'up', 'upgrade', 'upgrade-interactive', 'version', 'versions', 'why', 'workspace', 'workspaces'])],
]);

/** `make`, `gmake`: `make <target>` becomes `make-<target>`. */
export const MAKE_PROGRAMS: ReadonlySet<string> = new Set(['make', 'gmake']);

/**
 * Programs that run another program named by the next plain word after the listed subcommand words
 * (`npx jest`, `pnpm exec eslint`, `uv run pytest`, `uv tool run ruff`). `python -m` and `node` are read in
 * commandLine.ts because their syntax differs.
 */
export const LAUNCHERS: ReadonlyMap<string, readonly (readonly string[])[]> = new Map([
  ['npx', [[]]],
  ['pnpx', [[]]],
  ['bunx', [[]]],
  ['uvx', [[]]],
  ['npm', [['exec'], ['x']]],
  ['pnpm', [['exec'], ['dlx']]],
  ['yarn', [['exec'], ['dlx']]],
  ['uv', [['run'], ['tool', 'run']]],
  ['poetry', [['run']]],
  ['pipenv', [['run']]],
  ['pdm', [['run']]],
]);

/** pnpm and yarn also run a package's binary directly (`yarn jest`, `pnpm tsc`). */
export const RUNS_BINARIES_DIRECTLY: ReadonlySet<string> = new Set(['pnpm', 'yarn']);

const UV_FLAGS = flagSpec({
  value: ['--with', '--with-editable', '--with-requirements', '-w', '--from', '--extra', '--group', '--only-group', '--no-group', '-p', '--python', '--package', '--directory', '--project', '--env-file', '--index', '--default-index', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '--config-file', '--cache-dir', '--color', '--python-preference', '--index-strategy', '--keyring-provider', '--refresh-package', '-P', '--upgrade-package', '--reinstall-package', '--no-binary-package', '--no-build-package', '--exclude-newer', '--link-mode', '--resolution', '--prerelease', '-C', '--config-setting'],
  boolean: ['-q', '--quiet', '-v', '--verbose', '--frozen', '--locked', '--no-sync', '--isolated', '--active', '--no-project', '--all-extras', '--all-packages', '--no-dev', '--dev', '--script', '--offline', '--no-cache', '-n', '--refresh', '-U', '--upgrade', '--no-env-file', '--native-tls', '--preview'],
});

const NPX_FLAGS = flagSpec({
  value: ['-p', '--package', '-c', '--call', '--cache', '--registry', '-w', '--workspace', '--prefix', '--userconfig', '--loglevel'],
  boolean: ['-y', '--yes', '--no', '-q', '--quiet', '-s', '--silent', '--ignore-existing', '--no-install', '--prefer-offline', '--offline', '--ws', '--workspaces', '--include-workspace-root'],
});

const MAKE_FLAGS = flagSpec({
  value: ['-C', '--directory', '-f', '--file', '--makefile', '-I', '--include-dir', '-o', '--old-file', '--assume-old', '-W', '--what-if', '--new-file', '--assume-new'],
  optionalNumber: ['-j', '--jobs', '-l', '--load-average', '--max-load'],
  boolean: ['--always-make', '--environment-overrides', '--ignore-errors', '--keep-going', '--just-print', '--dry-run', '--recon', '--question', '--no-builtin-rules', '--no-builtin-variables', '--silent', '--quiet', '--no-keep-going', '--stop', '--touch', '--print-directory', '--no-print-directory', '--trace', '--warn-undefined-variables', '--print-data-base', '--debug', '-O', '-d', '-p'],
  pattern: /^-[BeiknqrRsStw]*(?:[jl]\d+)?$/,
  assignments: true,
});

const COMPOSE_VALUE_FLAGS = ['-f', '--file', '-p', '--project-name', '--profile', '--env-file', '--project-directory', '--ansi', '--progress', '--parallel'];

/** Flag readers per program; a program not listed treats every flag as value-less (and the rest as uncertain). */
export const PROGRAM_FLAGS: ReadonlyMap<string, FlagSpec> = new Map<string, FlagSpec>([
  ['npm', flagSpec({
    value: ['--prefix', '-w', '--workspace', '--loglevel', '--registry', '--cache', '--userconfig', '-p', '--package', '-c', '--call'],
    boolean: ['-s', '--silent', '-q', '--quiet', '-d', '-dd', '-ddd', '--verbose', '--if-present', '--ignore-scripts', '-ws', '--workspaces', '--include-workspace-root', '-g', '--global', '-y', '--yes', '--no', '-D', '--save-dev', '-S', '--save', '-E', '--save-exact', '-O', '--save-optional', '-P', '--save-prod', '--legacy-peer-deps', '--force', '-f', '--no-audit', '--no-fund', '--offline', '--prefer-offline', '--json', '--dry-run', '--foreground-scripts'],
  })],
  ['npx', NPX_FLAGS],
  ['pnpx', NPX_FLAGS],
  ['bunx', NPX_FLAGS],
  ['pnpm', flagSpec({
    value: ['-C', '--dir', '-F', '--filter', '--filter-prod', '--reporter', '--loglevel', '--workspace-concurrency', '--resume-from', '--test-pattern', '--changed-files-ignore-pattern', '--package'],
    boolean: ['-r', '--recursive', '-w', '--workspace-root', '--if-present', '--parallel', '--stream', '-s', '--silent', '--aggregate-output', '--no-bail', '--bail', '--sequential', '--reverse', '--frozen-lockfile', '--prod', '-P', '-D', '--dev', '--offline', '--prefer-offline', '-g', '--global', '--shamefully-hoist', '--report-summary', '--use-stderr', '--color', '--no-color'],
  })],
  ['yarn', flagSpec({
    value: ['--cwd', '--modules-folder', '--cache-folder', '--mutex', '--network-timeout', '--registry', '-p', '--package'],
    boolean: ['-s', '--silent', '--frozen-lockfile', '--immutable', '--pure-lockfile', '--prefer-offline', '--offline', '-D', '--dev', '-W', '--ignore-workspace-root-check', '-T', '--top-level', '-B', '--binaries-only', '--verbose', '--no-progress', '--production', '--check-files', '--force', '--ignore-engines', '-E', '--exact', '-q', '--quiet'],
  })],
  ['make', MAKE_FLAGS],
  ['gmake', MAKE_FLAGS],
  ['git', flagSpec({ value: ['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env', '--super-prefix', '--exec-path'] })],
  ['docker', flagSpec({ value: ['--context', '-c', '-H', '--host', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey', ...COMPOSE_VALUE_FLAGS] })],
  ['docker-compose', flagSpec({ value: COMPOSE_VALUE_FLAGS })],
  ['kubectl', flagSpec({ value: ['-n', '--namespace', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server', '--token', '--as', '--as-group', '--cache-dir', '--certificate-authority', '--client-certificate', '--client-key', '--request-timeout', '-v', '--v'] })],
  ['helm', flagSpec({ value: ['-n', '--namespace', '--kube-context', '--kubeconfig', '--kube-apiserver', '--kube-token', '--kube-as-user', '--registry-config', '--repository-cache', '--repository-config', '--burst-limit'] })],
  ['cargo', flagSpec({ value: ['-Z', '--config', '-C', '--color'], toolchain: true })],
  ['uv', UV_FLAGS],
  ['uvx', UV_FLAGS],
  ['poetry', flagSpec({ value: ['-C', '--directory', '-P', '--project'] })],
  ['pdm', flagSpec({ value: ['-p', '--project'] })],
  ['gh', flagSpec({ value: ['-R', '--repo'] })],
]);

/** `python` flags whose value is the next word (`python -W error -m pytest`). */
export const PYTHON_VALUE_FLAGS: ReadonlySet<string> = new Set(['-W', '-X', '--check-hash-based-pycs']);

/** `node` flags whose value is the next word; `-e`/`-p` run code instead of a file. */
export const NODE_FLAGS = { value: new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--inspect-port', '--title', '--env-file', '--input-type']), code: new Set(['-e', '--eval', '-p', '--print', '-i', '--interactive', '-c', '--check', '--test', '-v', '--version', '-h', '--help']) } as const;

/** Commands that run the rest of the line; they are skipped, and the command they run is matched. */
export const WRAPPERS: ReadonlyMap<string, WrapperSpec> = new Map([
  ['env', wrapperSpec({ value: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'], boolean: ['-i', '--ignore-environment', '-0', '--null', '-v', '--debug', '-'], assignments: true })],
  ['sudo', wrapperSpec({
    value: ['-u', '--user', '-g', '--group', '-h', '--host', '-p', '--prompt', '-C', '--close-from', '-D', '--chdir', '-r', '--role', '-t', '--type', '-T', '--command-timeout', '-U', '--other-user'],
    boolean: ['-A', '--askpass', '-b', '--background', '-E', '--preserve-env', '-H', '--set-home', '-i', '--login', '-k', '--reset-timestamp', '-n', '--non-interactive', '-P', '--preserve-groups', '-S', '--stdin', '-s', '--shell', '-B', '--bell'],
    stop: ['-e', '--edit', '-l', '--list', '-v', '--validate', '-V', '--version', '-K', '--remove-timestamp', '--help'],
    assignments: true,
  })],
  ['doas', wrapperSpec({ value: ['-u', '-C'], boolean: ['-n', '-s'] })],
  ['time', wrapperSpec({ value: ['-f', '--format', '-o', '--output'], boolean: ['-p', '--portability', '-v', '--verbose', '-a', '--append', '-q', '--quiet'] })],
  ['nohup', wrapperSpec({})],
  ['exec', wrapperSpec({ value: ['-a'], boolean: ['-c', '-l'] })],
  ['command', wrapperSpec({ boolean: ['-p'], stop: ['-v', '-V'] })],
  ['builtin', wrapperSpec({})],
  ['noglob', wrapperSpec({})],
  ['nice', wrapperSpec({ value: ['-n', '--adjustment'], pattern: /^-\d+$/ })],
  ['timeout', wrapperSpec({ value: ['-s', '--signal', '-k', '--kill-after'], boolean: ['--preserve-status', '--foreground', '-v', '--verbose'], leadingArguments: 1 })],
]);

/** Shell words that introduce a command (`if pytest; then …`, `! git diff --quiet`, `{ pytest; }`). */
export const SHELL_KEYWORD_PREFIXES: ReadonlySet<string> = new Set(['!', '{', 'if', 'then', 'else', 'elif', 'do', 'while', 'until']);

/** Shell words after which no command follows in the same part (`for f in *.py`, `done`, `[[ -f x ]]`). */
export const SHELL_NON_COMMANDS: ReadonlySet<string> = new Set(['}', 'fi', 'done', 'esac', 'for', 'case', 'select', 'function', 'in', '[[', ']]', 'coproc']);

/** Shell built-ins are not developer actions; `trackUnknown` does not record them. */
export const SHELL_BUILTINS: ReadonlySet<string> = new Set(['.', ':', 'alias', 'bg', 'cd', 'clear', 'declare', 'dirs', 'echo', 'eval', 'exit', 'export', 'false', 'fg', 'hash', 'history', 'jobs', 'let', 'local', 'logout', 'popd', 'printf', 'pushd', 'pwd', 'read', 'readonly', 'return', 'set', 'shift', 'source', 'test', 'trap', 'true', 'type', 'typeset', 'ulimit', 'umask', 'unalias', 'unset', 'wait']);

/** Skill names the rules above produce besides `<pm>-run-<script>`, `make-<target>` and `cmd-<program>`. */
export const BUILTIN_SKILL_NAMES: ReadonlySet<string> = new Set([
  ...BUILTIN_RULES.map((rule) => rule.skill),
  ...[...PACKAGE_MANAGERS].map((pm) => `${pm}-run`),
  'yarn-install',
  'make',
]);

/** Prefixes of the skill names built from a recognised script, target or (with `trackUnknown`) program name. */
export const DYNAMIC_SKILL_PREFIXES: readonly string[] = [...[...PACKAGE_MANAGERS].map((pm) => `${pm}-run-`), 'make-', 'cmd-'];

export const MAX_USER_RULES = 200;
const MAX_RULE_WORDS = 6;
const MAX_RULE_COMMAND_CHARS = 200;
const RULE_WORD = /^[A-Za-z0-9_.+@:-]+$/;
const SETTING = 'sessionBuddy.skillRules';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** The problem with one rule's command, or its normalised words. */
function parseRuleCommand(where: string, command: unknown): { words: string[] } | { error: string } {
  if (typeof command !== 'string') return { error: `${where}.command must be a string such as "pnpm lint" (the program, then optional subcommand words), got ${describe(command)}` };
  const words = command.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return { error: `${where}.command must not be empty; write the program, then optional subcommand words, e.g. "pnpm lint"` };
  if (command.length > MAX_RULE_COMMAND_CHARS || words.length > MAX_RULE_WORDS) {
    return { error: `${where}.command must be at most ${MAX_RULE_WORDS} words and ${MAX_RULE_COMMAND_CHARS} characters` };
  }
  const [program] = words;
  if (/[\\/]/.test(program)) return { error: `${where}.command: write the program's name, not a path (got ${describe(program)}; e.g. "pytest")` };
  for (const word of words) {
    if (word.startsWith('-')) return { error: `${where}.command: ${describe(word)} is a flag; a rule matches only the program and its leading subcommand words` };
    if (!RULE_WORD.test(word)) return { error: `${where}.command: ${describe(word)} may contain only letters, digits and . _ - + : @` };
  }
  const name = programName(program);
  if (WRAPPERS.has(name)) return { error: `${where}.command: "${name}" only runs another command, and it is skipped before rules are matched; write the command it runs instead` };
  return { words: [name, ...words.slice(1)] };
}

function checkRule(where: string, item: unknown): UserSkillRule | { error: string } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { error: `${where} must be an object like {"command": "pnpm lint", "skill": "eslint-check"}, got ${describe(item)}` };
  }
  const extra = Object.keys(item).find((key) => key !== 'command' && key !== 'skill');
  if (extra !== undefined) return { error: `${where} has an unknown field ${describe(extra)}; a rule has only "command" and "skill"` };
  const { command, skill } = item as Record<string, unknown>;
  const parsed = parseRuleCommand(where, command);
  if ('error' in parsed) return parsed;
  if (typeof skill !== 'string' || !SAFE_SKILL_NAME.test(skill)) {
    return { error: `${where}.skill must be a skill name of lower-case letters, digits and . _ : - that starts with a letter or digit and has at most ${SAFE_SKILL_NAME_MAX} characters (e.g. "eslint-check"), got ${describe(skill)}` };
  }
  return { command: parsed.words.join(' '), skill };
}

/**
 * Reads the `sessionBuddy.skillRules` setting. Every rule that can be used is returned (its command normalised:
 * program name lower-cased, single spaces); every other one is reported with the reason, and skipped.
 */
export function validateUserRules(value: unknown): { rules: UserSkillRule[]; errors: string[] } {
  if (value === undefined || value === null) return { rules: [], errors: [] };
  if (!Array.isArray(value)) {
    return { rules: [], errors: [`${SETTING} must be a list of {"command": "...", "skill": "..."} objects, got ${describe(value)}`] };
  }
  const rules: UserSkillRule[] = [];
  const errors: string[] = [];
  const firstIndex = new Map<string, number>();
  if (value.length > MAX_USER_RULES) errors.push(`${SETTING} has ${value.length} rules; only the first ${MAX_USER_RULES} are used`);
  value.slice(0, MAX_USER_RULES).forEach((item: unknown, index) => {
    const where = `${SETTING}[${index}]`;
    const checked = checkRule(where, item);
    if ('error' in checked) {
      errors.push(checked.error);
      return;
    }
    const earlier = firstIndex.get(checked.command);
    if (earlier !== undefined) {
      errors.push(`${where}.command "${checked.command}" repeats ${SETTING}[${earlier}]; the first rule is used`);
      return;
    }
    firstIndex.set(checked.command, index);
    rules.push(checked);
  });
  return { rules, errors };
}

/** The usable user rules as command rules (invalid ones are skipped; validateUserRules reports them). */
export function compileUserRules(value: unknown): CommandRule[] {
  return validateUserRules(value).rules.map((rule) => commandRule(rule.command, rule.skill));
}

export type RuleIndex = ReadonlyMap<string, readonly CommandRule[]>;

/** Rules by program, the most specific (most subcommand words) first, so the longest match wins. */
export function indexRules(rules: readonly CommandRule[]): RuleIndex {
  const index = new Map<string, CommandRule[]>();
  for (const rule of rules) {
    const list = index.get(rule.program) ?? [];
    list.push(rule);
    index.set(rule.program, list);
  }
  for (const list of index.values()) list.sort((a, b) => b.words.length - a.words.length);
  return index;
}

export const BUILTIN_INDEX: RuleIndex = indexRules(BUILTIN_RULES);
