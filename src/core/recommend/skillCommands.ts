import type { RecommendationAction } from './types';

/**
 * The command behind a skill, for the Run action: the reverse of the command-line rules, for the
 * skills those rules produce. Each entry is the plain, project-wide form of the command (no file
 * arguments), which is what a recommendation can honestly offer to run.
 */
export const SKILL_COMMANDS: Readonly<Record<string, string>> = {
  'pytest-run': 'python -m pytest',
  'ruff-check': 'ruff check .',
  'ruff-format': 'ruff format .',
  'black-format': 'black .',
  'mypy-check': 'mypy .',
  'pyright-check': 'pyright',
  'npm-test': 'npm test',
  'npm-install': 'npm install',
  'yarn-test': 'yarn test',
  'yarn-install': 'yarn install',
  'pnpm-test': 'pnpm test',
  'pnpm-install': 'pnpm install',
  'isort': 'isort .',
  'pylint-check': 'pylint .',
  'flake8-check': 'flake8',
  'vitest-run': 'npx vitest run',
  'jest-run': 'npx jest',
  'tsc-check': 'npx tsc --noEmit',
  'eslint-check': 'npx eslint .',
  'prettier-format': 'npx prettier --write .',
  'cargo-test': 'cargo test',
  'cargo-build': 'cargo build',
  'cargo-clippy': 'cargo clippy',
  'go-test': 'go test ./...',
  'go-build': 'go build ./...',
  'go-vet': 'go vet ./...',
  'cargo-fmt': 'cargo fmt',
  'make': 'make',
  'git-status': 'git status',
  'git-pull': 'git pull',
  'git-push': 'git push',
  'docker-build': 'docker build .',
  'crackerjack-run': 'python -m crackerjack',
  'bandit-security': 'bandit -r .',
  'mkdocs-build': 'mkdocs build',
  'git-diff': 'git diff',
  'coverage-report': 'coverage report',
  'terraform-plan': 'terraform plan',
  'uv-install': 'uv sync',
};

/** `npm-run-build`, `pnpm-run-lint`, `make-test`: the script or target is part of the name. */
const SCRIPT = /^(npm|pnpm|yarn)-run-([a-z0-9][a-z0-9:_-]*)$/;
const MAKE_TARGET = /^make-([a-z0-9][a-z0-9:_-]*)$/;
const TASK = /^task-([a-z0-9][a-z0-9-]*)$/;

/**
 * The command for this platform: outside Windows `python` is often missing where `python3` is the
 * interpreter (Debian, Ubuntu, macOS), while a virtual environment has both.
 */
function forPlatform(command: string, platform: NodeJS.Platform): string {
  return platform !== 'win32' && command.startsWith('python ') ? `python3 ${command.slice('python '.length)}` : command;
}

/** How to run a skill; `{ kind: 'command' }` without a command when there is no known way. */
export function actionForSkill(skill: string, platform: NodeJS.Platform = process.platform): RecommendationAction {
  const command = SKILL_COMMANDS[skill];
  if (command) return { kind: 'command', command: forPlatform(command, platform) };
  const task = TASK.exec(skill);
  if (task) return { kind: 'task', label: task[1] };
  const script = SCRIPT.exec(skill);
  if (script) return { kind: 'command', command: `${script[1]} run ${script[2]}` };
  const target = MAKE_TARGET.exec(skill);
  if (target) return { kind: 'command', command: `make ${target[1]}` };
  return { kind: 'command' };
}

/** Whether an action names something to run. */
export function isRunnable(action: RecommendationAction): boolean {
  return action.kind === 'task' ? Boolean(action.label) : Boolean(action.command);
}
