import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { MAX_SKILLS_PER_LINE, skillsFromCommandLine, validateUserRules, type UserSkillRule } from '../../src/core/tracking/commandLine';
import { BUILTIN_SKILL_NAMES, MAX_USER_RULES } from '../../src/core/tracking/skillRules';
import { SAFE_SKILL_NAME } from '../../src/core/validation';
import { seededRandom } from '../../src/core/analytics/seededRandom';
import { NO_WORKSPACE_NAMES, readWorkspaceNames, targetsOf, type WorkspaceNames } from '../../src/core/tracking/workspaceNames';
import { tempDir } from '../helpers/store';

type Case = readonly [line: string, expected: readonly string[]];

/** The scripts and make targets the cases below run, as a workspace's package.json and Makefile define them. */
const DEFINED: WorkspaceNames = {
  scripts: new Set(['build', 'Build', 'test:unit', 'lint', 'e2e', 'a'.repeat(40), 'a'.repeat(41), 'build.prod']),
  targets: new Set(['test', 'build', 'lint', 'docs', 'all', 'check', 'install', 'lintx', 'lintxyz']),
};

function expectSkills(cases: readonly Case[], options: Parameters<typeof skillsFromCommandLine>[1] = {}): void {
  for (const [line, expected] of cases) {
    assert.deepEqual(skillsFromCommandLine(line, { workspace: DEFINED, ...options }), expected, `command line: ${JSON.stringify(line)}`);
  }
}

describe('skillsFromCommandLine: built-in rules', () => {
  test('pytest, however it is started', () => {
    expectSkills([
      ['pytest', ['pytest-run']],
      ['pytest -x -k "slow and not db" tests/', ['pytest-run']],
      ['py.test tests', ['pytest-run']],
      ['python -m pytest', ['pytest-run']],
      ['python3 -m pytest -q', ['pytest-run']],
      ['python -mpytest', ['pytest-run']],
      ['/usr/bin/python3 -m pytest', ['pytest-run']],
      ['python3.12 -X dev -W error -m pytest', ['pytest-run']],
      ['py -3.12 -m pytest', ['pytest-run']],
      ['uv run pytest', ['pytest-run']],
      ['uv run --with pytest-cov --frozen pytest --cov', ['pytest-run']],
      ['uv run python -m pytest', ['pytest-run']],
      ['poetry run pytest', ['pytest-run']],
      ['pipenv run pytest', ['pytest-run']],
      ['python script.py', []],
      ['python -c "import pytest; pytest.main()"', []],
      ['python -m', []],
    ]);
  });

  test('Python linters, formatters, type checkers, security, coverage, crackerjack', () => {
    expectSkills([
      ['ruff check .', ['ruff-check']],
      ['ruff check --fix src', ['ruff-check']],
      ['ruff format', ['ruff-format']],
      ['python -m ruff check', ['ruff-check']],
      ['uvx ruff@0.6.0 format --check', ['ruff-format']],
      ['ruff', []],
      ['black --check .', ['black-format']],
      ['isort src', ['isort']],
      ['mypy --strict src', ['mypy-check']],
      ['pyright', ['pyright-check']],
      ['pylint pkg', ['pylint-check']],
      ['bandit -r src', ['bandit-security']],
      ['coverage run -m pytest', ['coverage-report']],
      ['coverage html', ['coverage-report']],
      ['crackerjack -t', ['crackerjack-run']],
      ['python -m crackerjack', ['crackerjack-run']],
      ['uv run crackerjack --ai-fix', ['crackerjack-run']],
      ['uvx --from crackerjack crackerjack', ['crackerjack-run']],
    ]);
  });

  test('npm, pnpm and yarn: test, install, scripts', () => {
    expectSkills([
      ['npm test', ['npm-test']],
      ['npm t', ['npm-test']],
      ['npm run test', ['npm-test']],
      ['npm run-script test', ['npm-test']],
      ['npm run --silent test -- --watch', ['npm-test']],
      ['pnpm test', ['pnpm-test']],
      ['pnpm t', ['pnpm-test']],
      ['pnpm run test', ['pnpm-test']],
      ['yarn test', ['yarn-test']],
      ['yarn run test', ['yarn-test']],
      ['npm install', ['npm-install']],
      ['npm i lodash', ['npm-install']],
      ['npm ci', ['npm-install']],
      ['npm add -D typescript', ['npm-install']],
      ['pnpm install --frozen-lockfile', ['pnpm-install']],
      ['pnpm i', ['pnpm-install']],
      ['pnpm add -D vitest', ['pnpm-install']],
      ['yarn install', ['yarn-install']],
      ['yarn add react', ['yarn-install']],
      ['yarn', ['yarn-install']],
      ['yarn --frozen-lockfile', ['yarn-install']],
      ['npm run build', ['npm-run-build']],
      ['npm run test:unit -- --coverage', ['npm-run-test:unit']],
      ['npm run Build', ['npm-run-build']],
      ['npm run --silent build', ['npm-run-build']],
      ['npm --prefix web run build', ['npm-run-build']],
      ['npm start', ['npm-run-start']],
      ['pnpm run lint', ['pnpm-run-lint']],
      ['pnpm --filter web build', ['pnpm-run-build']],
      ['pnpm build', ['pnpm-run-build']],
      ['yarn build', ['yarn-run-build']],
      ['yarn run build', ['yarn-run-build']],
      ['npm run', ['npm-run']],
    ]);
  });

  test('a script name is kept only when it is a plain identifier read with certainty', () => {
    expectSkills([
      [`npm run ${'a'.repeat(40)}`, [`npm-run-${'a'.repeat(40)}`]],
      [`npm run ${'a'.repeat(41)}`, ['npm-run']],
      ['npm run "build prod"', ['npm-run']],
      ['npm run ./scripts/x.js', ['npm-run']],
      ['npm run build.prod', ['npm-run']],
      ['npm run $SCRIPT', ['npm-run']],
      ['npm run "$(pick-script)"', ['npm-run']],
      ['npm run ünïcode', ['npm-run']],
      // An unknown flag may take the next word as its value: that word could be anything.
      ['npm run --unknown-flag value', ['npm-run']],
      ['yarn ./local-file', []],
      ['yarn why react', []],
    ]);
  });

  test('JS tools through npx, node_modules/.bin, pnpm exec, yarn, node', () => {
    expectSkills([
      ['npx jest', ['jest-run']],
      ['npx jest@29 --ci', ['jest-run']],
      ['npx --yes vitest run', ['vitest-run']],
      ['npx eslint .', ['eslint-check']],
      ['npx tsc --noEmit', ['tsc-check']],
      ['npx prettier --check .', ['prettier-format']],
      ['npx -p typescript tsc', ['tsc-check']],
      ['npm exec -- jest', ['jest-run']],
      ['./node_modules/.bin/jest', ['jest-run']],
      ['node_modules/.bin/vitest run', ['vitest-run']],
      ['pnpm exec eslint --fix .', ['eslint-check']],
      ['pnpm exec tsc -b', ['tsc-check']],
      ['pnpm tsc', ['tsc-check']],
      ['yarn jest --watch', ['jest-run']],
      ['yarn eslint src', ['eslint-check']],
      ['yarn prettier --write .', ['prettier-format']],
      ['yarn dlx prettier --check .', ['prettier-format']],
      ['node node_modules/.bin/jest', ['jest-run']],
      ['node ./node_modules/typescript/bin/tsc -p .', ['tsc-check']],
      ['node --require ts-node/register node_modules/jest/bin/jest.js', ['jest-run']],
      ['node build.js', []],
      ['jest', ['jest-run']],
      ['vitest', ['vitest-run']],
      ['tsc -p tsconfig.json', ['tsc-check']],
      ['eslint .', ['eslint-check']],
      ['prettier -w .', ['prettier-format']],
    ]);
  });

  test('go, cargo, make', () => {
    expectSkills([
      ['go test ./...', ['go-test']],
      ['go build -o bin/app .', ['go-build']],
      ['go vet ./...', ['go-vet']],
      ['go mod tidy', []],
      ['cargo test', ['cargo-test']],
      ['cargo +nightly test', ['cargo-test']],
      ['cargo build --release', ['cargo-build']],
      ['cargo clippy -- -D warnings', ['cargo-clippy']],
      ['cargo fmt --check', ['cargo-fmt']],
      ['cargo t', ['cargo-test']],
      ['make', ['make']],
      ['make test', ['make-test']],
      ['make -j8 build', ['make-build']],
      ['make -j 4 test', ['make-test']],
      ['make -j test', ['make-test']],
      ['make -C sub lint', ['make-lint']],
      ['make -f Other.mk docs', ['make-docs']],
      ['make CC=clang all', ['make-all']],
      ['make -ks check', ['make-check']],
      ['make build/out.o', ['make']],
      ['make --weird-flag x', ['make']],
      ['gmake install', ['make-install']],
    ]);
  });

  test('git, docker, kubernetes, helm, terraform, docs', () => {
    expectSkills([
      ['git commit -m "fix: things"', ['git-commit']],
      ['git push origin main', ['git-push']],
      ['git pull --rebase', ['git-pull']],
      ['git merge feature', ['git-merge']],
      ['git rebase -i HEAD~3', ['git-rebase']],
      ['git -C repo commit -am wip', ['git-commit']],
      ['git -c user.name=someone commit', ['git-commit']],
      ['git --no-pager diff', ['git-diff']],
      ['git log', []],
      ['docker build -t app .', ['docker-build']],
      ['docker buildx build --push .', ['docker-build']],
      ['docker --context prod build .', ['docker-build']],
      ['docker push registry/app:1', ['docker-push']],
      ['docker compose up -d', ['docker-compose-up']],
      ['docker compose -f dev.yml up', ['docker-compose-up']],
      ['docker-compose up', ['docker-compose-up']],
      ['docker-compose -p proj up --build', ['docker-compose-up']],
      ['docker run app', []],
      ['kubectl apply -f k8s/', ['k8s-deploy']],
      ['kubectl -n prod apply -f deploy.yaml', ['k8s-deploy']],
      ['kubectl get pods', []],
      ['helm install rel ./chart', ['helm-deploy']],
      ['helm upgrade --install rel ./chart', ['helm-deploy']],
      ['terraform plan', ['terraform-plan']],
      ['terraform -chdir=infra apply -auto-approve', ['terraform-apply']],
      ['terraform init', []],
      ['sphinx-build -b html docs out', ['sphinx-build']],
      ['python -m sphinx -b html docs out', ['sphinx-build']],
      ['mkdocs build --strict', ['mkdocs-build']],
      ['mkdocs serve', []],
    ]);
  });

  test('every skill name of the rule table is a safe name', () => {
    for (const name of BUILTIN_SKILL_NAMES) assert.match(name, SAFE_SKILL_NAME);
    assert.ok(BUILTIN_SKILL_NAMES.size >= 50, `${BUILTIN_SKILL_NAMES.size} built-in skill names`);
  });
});

describe('skillsFromCommandLine: prefixes, chains, quoting, platforms', () => {
  test('assignments and wrappers in front of the command are skipped', () => {
    expectSkills([
      ['VAR=1 pytest', ['pytest-run']],
      ['A=1 B="two words" C=$HOME pytest', ['pytest-run']],
      ['env VAR=1 pytest', ['pytest-run']],
      ['env -i PATH=/bin python3 -m pytest', ['pytest-run']],
      ['/usr/bin/env -u HOME pytest', ['pytest-run']],
      ['sudo pytest', ['pytest-run']],
      ['sudo -u root -E pytest', ['pytest-run']],
      ['sudo -- pytest', ['pytest-run']],
      ['time pytest', ['pytest-run']],
      ['/usr/bin/time -v -o /tmp/t.txt pytest', ['pytest-run']],
      ['nohup pytest &', ['pytest-run']],
      ['exec pytest', ['pytest-run']],
      ['nice -n 10 make build', ['make-build']],
      ['timeout 60s cargo test', ['cargo-test']],
      ['command pytest', ['pytest-run']],
      ['sudo env X=1 time nohup python3 -m pytest', ['pytest-run']],
      ['! git diff --quiet', ['git-diff']],
      ['sudo -l', []],
      ['command -v pytest', []],
      ['VAR=1', []],
      ['"VAR=1" pytest', []],
    ]);
  });

  test('each part of a chain gives its own skill, in order', () => {
    expectSkills([
      ['pytest && ruff check . || echo failed; git commit -am wip | tee log & npm test', ['pytest-run', 'ruff-check', 'git-commit', 'npm-test']],
      ['pytest&&mypy .||ruff check;black .|isort .&go test', ['pytest-run', 'mypy-check', 'ruff-check', 'black-format', 'isort', 'go-test']],
      ['pytest\nmypy src\n', ['pytest-run', 'mypy-check']],
      ['pytest; pytest', ['pytest-run', 'pytest-run']],
      ['(cd app && npm test)', ['npm-test']],
      ['{ pytest; mypy .; }', ['pytest-run', 'mypy-check']],
      ['if pytest; then git push; fi', ['pytest-run', 'git-push']],
      ['for f in a b; do pytest "$f"; done', ['pytest-run']],
      ['while true; do make test; sleep 1; done', ['make-test']],
      ['pytest > out.log 2>&1 && mypy', ['pytest-run', 'mypy-check']],
      ['pytest &> log.txt; ruff check 2>/dev/null', ['pytest-run', 'ruff-check']],
      ['> out.log pytest', ['pytest-run']],
      ['pytest |& tee log', ['pytest-run']],
      ['cat <<EOF > notes.txt\npytest && git push\nEOF\nmypy', ['mypy-check']],
      ['cat <<-"END"\n\tgit push\n\tEND\ngit commit', ['git-commit']],
      ['pytest # && git push', ['pytest-run']],
    ]);
  });

  test('quotes are removed, and quoted operators do not split the line', () => {
    expectSkills([
      ['"pytest" -x', ['pytest-run']],
      ["'git' commit", ['git-commit']],
      ['git "commit" -m x', ['git-commit']],
      ['pyt""est', ['pytest-run']],
      ['echo "pytest && mypy"', []],
      ["echo 'a; git push' ; mypy", ['mypy-check']],
      ['git commit -m "a | b && c; d"', ['git-commit']],
      ["git commit -m $'it\\'s; done'", ['git-commit']],
      ['py\\ test', []],
    ]);
  });

  test('Windows: executable suffixes, backslash paths, quoted program paths', () => {
    expectSkills([
      ['npm.cmd test', ['npm-test']],
      ['npx.cmd jest', ['jest-run']],
      ['PYTEST.EXE', ['pytest-run']],
      ['git.exe commit', ['git-commit']],
      ['C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python312\\python.exe -m pytest', ['pytest-run']],
      ['"C:\\Program Files\\nodejs\\npm.cmd" run build', ['npm-run-build']],
      ['.\\node_modules\\.bin\\jest.cmd --ci', ['jest-run']],
      ['& "C:\\Python312\\python.exe" -m pytest', ['pytest-run']],
      ['npm.ps1 install', ['npm-install']],
    ]);
  });

  test('expansions, subshells and broken input are ignored, never fatal', () => {
    expectSkills([
      ['$(which pytest)', []],
      ['`which pytest` -x', []],
      ['$PYTEST -x', []],
      ['${TOOL:-pytest} -x', []],
      ['pytest $(git diff --name-only) && mypy', ['pytest-run', 'mypy-check']],
      ['echo $(pytest) && mypy', ['mypy-check']],
      ['echo `git push` ; mypy', ['mypy-check']],
      ['git $(echo commit)', []],
      ['$((1 + 2))', []],
      ['diff <(pytest) <(mypy)', []],
      ['pytest "unterminated', ['pytest-run']],
      ["git commit -m 'oops", ['git-commit']],
      ['echo $(unclosed && pytest', []],
      ['pytest `unclosed', ['pytest-run']],
    ]);
    for (const broken of ['', ' ', '\n\n', '`', '$(', '${', '"', "'", '\\', '((', '))', '&&', '||;|&', '<<', '<<EOF', '2>', '$', '#', '\\\n', '"\\', "$'\\", '<(', '})']) {
      assert.deepEqual(skillsFromCommandLine(broken, { trackUnknown: true }), [], JSON.stringify(broken));
    }
  });

  test('over-long lines are cut safely and a line yields at most MAX_SKILLS_PER_LINE skills', () => {
    const flood = 'pytest && '.repeat(20_000);
    const skills = skillsFromCommandLine(flood);
    assert.equal(skills.length, MAX_SKILLS_PER_LINE);
    assert.ok(skills.every((skill) => skill === 'pytest-run'));
    assert.deepEqual(skillsFromCommandLine(`pytest "${'a'.repeat(300_000)}"`), ['pytest-run']);
    // 16 665 × 6 characters of assignments, then `make lintxyz`: the cut at 100 000 falls inside `lintxyz`, and
    // the half-read target must not become `make-lintx`.
    const cut = `${'VAR=1 '.repeat(16_665)}make lintxyz`;
    assert.ok(cut.length > 100_000 && cut.length - 'lintxyz'.length < 100_000);
    assert.deepEqual(skillsFromCommandLine(cut, { workspace: DEFINED }), ['make']);
    assert.deepEqual(skillsFromCommandLine(cut.slice(0, 100_000), { workspace: DEFINED }), ['make-lintx'], 'the same text uncut is read as written');
  });
});

describe('user rules (sessionBuddy.skillRules)', () => {
  const rules: UserSkillRule[] = [
    { command: 'pnpm lint', skill: 'eslint-check' },
    { command: 'tox', skill: 'tox-run' },
    { command: 'pytest', skill: 'unit-tests' },
    { command: 'git commit', skill: 'commit' },
    { command: 'npm run e2e', skill: 'e2e-tests' },
    { command: 'Alpha deploy', skill: 'alpha-deploy' },
  ];

  test('they are matched by program and leading subcommand words, and win over built-ins', () => {
    expectSkills([
      ['pnpm lint', ['eslint-check']],
      ['pnpm --filter web lint --fix', ['eslint-check']],
      ['tox -e py312', ['tox-run']],
      ['uv run tox', ['tox-run']],
      ['python -m tox', ['tox-run']],
      ['yarn tox', ['tox-run']],
      ['pytest -x', ['unit-tests']],
      ['uv run pytest', ['unit-tests']],
      ['git commit -m x', ['commit']],
      ['git push', ['git-push']],
      ['npm run e2e', ['e2e-tests']],
      ['npm run build', ['npm-run-build']],
      ['alpha deploy --env prod', ['alpha-deploy']],
      ['ALPHA.exe deploy', ['alpha-deploy']],
      ['alpha build', []],
    ], { rules });
    assert.deepEqual(skillsFromCommandLine('pnpm lint', { workspace: DEFINED }), ['pnpm-run-lint'], 'without the rule');
    assert.deepEqual(skillsFromCommandLine('pytest -x'), ['pytest-run'], 'without the rule');
  });

  test('invalid rules given directly are skipped, not thrown', () => {
    const bad = [{ command: '', skill: 'x' }, { command: 'pytest', skill: 'Bad Name' }, null, { command: 'sudo', skill: 'root' }] as unknown as UserSkillRule[];
    assert.deepEqual(skillsFromCommandLine('pytest && sudo ls', { rules: bad }), ['pytest-run']);
    assert.deepEqual(skillsFromCommandLine('pytest', { rules: 'nonsense' as unknown as UserSkillRule[] }), ['pytest-run']);
  });

  test('validateUserRules keeps usable rules, normalised, and explains every other one', () => {
    assert.deepEqual(validateUserRules(undefined), { rules: [], errors: [] });
    assert.deepEqual(validateUserRules([]), { rules: [], errors: [] });
    assert.match(validateUserRules('pytest').errors[0], /sessionBuddy\.skillRules must be a list of \{"command": "\.\.\.", "skill": "\.\.\."\} objects, got "pytest"/);
    assert.match(validateUserRules({ command: 'x', skill: 'y' }).errors[0], /must be a list .* got an object/);

    const result = validateUserRules([
      { command: '  PNPM   lint ', skill: 'eslint-check' },
      'pytest',
      { command: 'pnpm lint', skill: 'other' },
      { command: '', skill: 'x' },
      { command: 42, skill: 'x' },
      { command: '/usr/bin/pytest', skill: 'x' },
      { command: 'pytest --fast', skill: 'x' },
      { command: 'pytest "quoted"', skill: 'x' },
      { command: 'sudo pytest', skill: 'x' },
      { command: 'pytest', skill: 'Unit Tests' },
      { command: 'pytest', skill: '-dash-first' },
      { command: 'pytest', skill: 'x'.repeat(65) },
      { command: 'pytest' },
      { command: 'pytest', skill: 'ok', skil: 'typo' },
      { command: 'a b c d e f g', skill: 'x' },
      { command: 'tox run', skill: 'tox.run:all_envs' },
    ]);
    assert.deepEqual(result.rules, [
      { command: 'pnpm lint', skill: 'eslint-check' },
      { command: 'tox run', skill: 'tox.run:all_envs' },
    ]);
    const expected = [
      /\[1\] must be an object like \{"command": "pnpm lint", "skill": "eslint-check"\}, got "pytest"/,
      /\[2\]\.command "pnpm lint" repeats sessionBuddy\.skillRules\[0\]; the first rule is used/,
      /\[3\]\.command must not be empty/,
      /\[4\]\.command must be a string such as "pnpm lint".*got number 42/,
      /\[5\]\.command: write the program's name, not a path/,
      /\[6\]\.command: "--fast" is a flag/,
      /\[7\]\.command: "\\"quoted\\"" may contain only letters, digits/,
      /\[8\]\.command: "sudo" only runs another command/,
      /\[9\]\.skill must be a skill name of lower-case letters.*got "Unit Tests"/,
      /\[10\]\.skill must be a skill name/,
      /\[11\]\.skill must be a skill name/,
      /\[12\]\.skill must be a skill name.*got undefined/,
      /\[13\] has an unknown field "skil"/,
      /\[14\]\.command must be at most 6 words/,
    ];
    assert.equal(result.errors.length, expected.length, result.errors.join('\n'));
    expected.forEach((pattern, i) => assert.match(result.errors[i], pattern));

    const many = validateUserRules(Array.from({ length: MAX_USER_RULES + 5 }, (_, i) => ({ command: `tool${i}`, skill: `skill-${i}` })));
    assert.equal(many.rules.length, MAX_USER_RULES);
    assert.match(many.errors[0], new RegExp(`has ${MAX_USER_RULES + 5} rules; only the first ${MAX_USER_RULES} are used`));
  });
});

describe('unknown commands', () => {
  test('are ignored by default', () => {
    expectSkills([['mytool --flag value', []], ['ls -la && cat x', []]]);
  });

  test('with trackUnknown, keep only the program\'s base name', () => {
    expectSkills([
      ['mytool --flag value', ['cmd-mytool']],
      ['/home/alice/secret-project/bin/deploy.sh --token=abc123 "some text"', ['cmd-deploy']],
      ['C:\\tools\\Build-All.ps1 -Target prod', ['cmd-build-all']],
      ['./gradlew assemble', ['cmd-gradlew']],
      ['g++ -o app main.cpp', ['cmd-gpp']],
      ['ruff', ['cmd-ruff']],
      ['python script.py --password hunter2', ['cmd-python']],
      ['uv run ./scripts/seed.py', ['cmd-uv']],
      ['npx some-unknown-tool --key secret', ['cmd-npx']],
      ['cd src && ls -la', ['cmd-ls']],
      ['pytest && terraform init', ['pytest-run', 'cmd-terraform']],
      ['SECRET=hunter2 mytool', ['cmd-mytool']],
    ], { trackUnknown: true });
  });

  test('with trackUnknown, a word that does not look like a program (a pasted secret) is not kept', () => {
    expectSkills([
      ['AKIAIOSFODNN7EXAMPLE', []],
      ['ghp_16C7e42F292c6912E7710c838347Ae178B4a', []],
      ['4111111111111111', []],
      ['sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', []],
      ['abc12345', []],
      ['тест', []],
      ['"my tool" --x', []],
      ['$SECRET', []],
      // An unknown sudo flag might take the next word as its value, so that word is not known to be the program.
      ['sudo --weird-flag something pytest', []],
    ], { trackUnknown: true });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Privacy property: thousands of generated command lines with unique markers planted in every place that holds
// user data (arguments, flag values, paths, env values, quoted text, redirection targets, comments, heredocs,
// expansions). No marker may reach a skill name, and every skill must be built from recognised tokens only.

class Gen {
  private markers = 0;
  constructor(private readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** A unique marker; `ZQX` never occurs in the public vocabulary below. */
  marker(): string {
    return `ZQX${this.int(36 ** 4).toString(36)}${(this.markers++).toString(36)}`;
  }
  fill(template: string): string {
    return template.replace(/\{M\}/g, () => this.marker());
  }
}

/** Words the generator may place where the normaliser is allowed to echo them (script names, program names). */
const PUBLIC_WORDS = ['alpha', 'build', 'deploy', 'lint', 'serve', 'docs', 'release', 'watch', 'unit', 'e2e', 'test:unit', 'ci_job', 'check', 'fmt', 'start', 'Bundle'];

/** Commands with every word recognised (or a program the generator names itself); `{M}` becomes a marker. */
const CLOSED_HEADS = [
  'pytest', 'py.test', 'python -m pytest', 'python3 -m pytest', '/usr/bin/python3 -m pytest', 'uv run pytest', 'poetry run pytest',
  'ruff check', 'ruff format', 'black', 'isort', 'mypy', 'pyright', 'pylint', 'bandit', 'coverage run', 'crackerjack',
  'python -m crackerjack', 'uv run crackerjack', 'npm test', 'npm t', 'npm run test', 'npm install', 'npm ci', 'pnpm install',
  'yarn add', 'pnpm test', 'yarn test', 'npx jest', 'npx vitest', 'pnpm exec eslint', 'yarn prettier', './node_modules/.bin/tsc',
  'go test', 'go build', 'go vet', 'cargo test', 'cargo +nightly clippy', 'cargo fmt', 'git commit', 'git push', 'git pull',
  'git merge', 'git rebase', 'git -C /srv/{M} commit', 'docker build', 'docker push', 'docker compose up', 'docker-compose up',
  'kubectl apply', 'kubectl -n {M} apply', 'helm install', 'helm upgrade', 'terraform plan', 'terraform apply', 'sphinx-build',
  'mkdocs build', 'npm.cmd test', 'jest.cmd', 'tox', 'alpha deploy', 'uv run tox', 'pnpm lint',
  'alpha', 'build', 'tool', 'cat', 'echo', 'ls', 'ruff', 'terraform init', 'npx', 'uv run', 'python', 'node',
  '/opt/{M}/bin/tool', 'tools/{M}/run', 'bin\\{M}\\tool.cmd', 'C:\\{M}\\bin\\tool.exe', '~/{M}/bin/runner', '"/home/{M} dir/bin/tool"', '$({M})', '`{M} x`', '${M}',
  '"${M}"', 'тест', '🙂',
];
/** Commands whose next word is echoed (a script or make target): the generator always puts a public word there. */
const OPEN_HEADS = ['npm run', 'pnpm run', 'yarn run', 'yarn', 'pnpm', 'make', 'gmake', 'make -j4', 'npm run --silent'];

const PREFIXES = [
  'KEY_{M}={M} ', 'env A={M} ', 'env -u {M} ', 'sudo -u {M} ', 'sudo -E ', 'time ', 'time -o /tmp/{M}.t ', 'nohup ', 'exec ',
  'nice -n 5 ', 'timeout 30s ', 'sudo --weird-flag {M} ', 'env --odd {M} ', 'command ', '/usr/bin/env B="{M} x" ', '! ', 'if ', 'A=1 B=2 ', 'TOKEN="{M}" ', "PW='{M} y' ",
];

const ARGS = [
  '--opt={M}', '-o={M}', '"{M} with spaces"', "'{M} single quoted'", '"ünïcode ✓ {M} 日本"', "$'{M}\\t tab'", '-m "{M} msg"',
  "--message '{M} a b'", '/tmp/{M}/file.py', './{M}/x', '../{M}.txt', 'C:\\Users\\{M}\\f.txt', '~/{M}', 'https://{M}.example.com/x',
  'KEY={M}', '$({M} --flag)', '`{M}`', '${M}', '"${M}"', '> /tmp/{M}.log', '2>&1', '2> {M}.err', '< {M}', '<<< "{M} x"',
  '&> /dev/null', '# {M} trailing comment', '-x', '-v', '--verbose', 'src', 'ünïcödé', '日本語', '🙂', '""', "''", '{M}', '{M}',
  '-k "{M} and not {M}"', '--token "{M}"', '-p {M}/x', 'a\\ {M}',
];

const OPERATORS = [' && ', ' || ', '; ', ' | ', ' & ', '\n', '&&', '|', ';', ' |& '];

function generatedLine(gen: Gen): string {
  if (gen.chance(0.01)) return gen.pick(['', ' ', '\n', '&&', ';;;', gen.fill('{M}')]);
  const parts: string[] = [];
  const count = 1 + gen.int(5);
  for (let p = 0; p < count; p++) {
    let part = '';
    for (let k = gen.int(3); k > 0; k--) part += gen.fill(gen.pick(PREFIXES));
    const open = gen.chance(0.25);
    part += gen.fill(open ? gen.pick(OPEN_HEADS) : gen.pick(CLOSED_HEADS));
    if (open) part += ` ${gen.pick(PUBLIC_WORDS)}`;
    // A comment would turn a here-document that follows it into commands.
    const heredoc = gen.chance(0.03);
    const args = heredoc ? ARGS.filter((arg) => !arg.startsWith('#')) : ARGS;
    for (let k = gen.int(7); k > 0; k--) part += ` ${gen.fill(gen.pick(args))}`;
    if (heredoc) part += gen.fill(' <<EOF\n{M} && git push {M}\n$(rm -rf {M})\nEOF');
    parts.push(part);
  }
  // A here-document starts on a line of its own (a comment earlier on the line would swallow it) and ends one.
  const separator = (i: number): string => (parts[i - 1].endsWith('EOF') || parts[i].includes('<<EOF') ? '\n' : gen.pick(OPERATORS));
  let line = parts.map((part, i) => (i === 0 ? part : separator(i) + part)).join('');
  if (gen.chance(0.002)) while (line.length < 120_000) line += `${gen.pick(OPERATORS)}${gen.fill(gen.pick(CLOSED_HEADS))} ${gen.fill(gen.pick(ARGS))}`;
  return gen.chance(0.1) ? `  ${line}  ` : line;
}

const USER_RULES: UserSkillRule[] = [
  { command: 'tox', skill: 'tox-run' },
  { command: 'alpha deploy', skill: 'alpha-deploy' },
  { command: 'pnpm lint', skill: 'eslint-check' },
];
const USER_SKILLS = new Set(USER_RULES.map((rule) => rule.skill));
const PUBLIC_NAMES = new Set(PUBLIC_WORDS.map((word) => word.toLowerCase()));
/** The generated lines run in a workspace that defines the public words as scripts and targets, never a marker. */
const PUBLIC_WORKSPACE: WorkspaceNames = { scripts: new Set(PUBLIC_WORDS), targets: new Set(PUBLIC_WORDS) };
/** `cmd-<x>` may only name a program word the generator wrote itself (never a marker). */
const PUBLIC_PROGRAMS = new Set(
  [...CLOSED_HEADS, ...OPEN_HEADS, ...PREFIXES, ...PUBLIC_WORDS]
    .flatMap((text) => text.replace(/\{M\}/g, '').split(/[\s/\\"]+/))
    .map((word) => word.toLowerCase().replace(/\.(?:exe|cmd)$/, '')),
);

function violations(skills: readonly string[]): string[] {
  const found: string[] = [];
  for (const skill of skills) {
    if (!SAFE_SKILL_NAME.test(skill)) found.push(`${skill}: not a safe skill name`);
    if (/zqx/i.test(skill)) found.push(`${skill}: contains a planted marker`);
    const dynamic = /^(?:npm|pnpm|yarn)-run-(.+)$|^make-(.+)$/.exec(skill);
    const known =
      BUILTIN_SKILL_NAMES.has(skill) ||
      USER_SKILLS.has(skill) ||
      (dynamic !== null && PUBLIC_NAMES.has(dynamic[1] ?? dynamic[2])) ||
      (skill.startsWith('cmd-') && PUBLIC_PROGRAMS.has(skill.slice(4)));
    if (!known) found.push(`${skill}: not built from a rule or from recognised program and subcommand words`);
  }
  return found;
}

describe('privacy property', () => {
  test('the checker itself catches leaks', () => {
    assert.deepEqual(violations(['pytest-run', 'npm-run-build', 'make-test:unit', 'cmd-tool', 'tox-run']), []);
    assert.equal(violations(['cmd-zqxab12']).length, 2);
    assert.equal(violations(['npm-run-zqx1']).length, 2);
    assert.equal(violations(['make-secret']).length, 1);
    assert.equal(violations(['cmd-hunter2']).length, 1);
    assert.equal(violations(['Has Spaces']).length, 2);
  });

  test('generated command lines never throw and never leak a planted marker', () => {
    const seed = 20_260_601;
    const gen = new Gen(seededRandom(seed));
    const seen = new Map<string, number>();
    let withMarkers = 0;
    let longLines = 0;
    for (let n = 0; n < 6000; n++) {
      const line = generatedLine(gen);
      const options = { rules: n % 3 === 0 ? USER_RULES : undefined, trackUnknown: n % 2 === 0, workspace: PUBLIC_WORKSPACE };
      let skills: string[];
      try {
        skills = skillsFromCommandLine(line, options);
      } catch (err) {
        assert.fail(`seed ${seed}, line ${n} threw ${(err as Error).stack}\n${JSON.stringify(line).slice(0, 2000)}`);
      }
      const problems = violations(skills);
      assert.deepEqual(problems, [], `seed ${seed}, line ${n}: ${JSON.stringify(line).slice(0, 2000)} → ${JSON.stringify(skills)}`);
      assert.ok(skills.length <= MAX_SKILLS_PER_LINE);
      if (line.includes('ZQX')) withMarkers++;
      if (line.length > 100_000) longLines++;
      for (const skill of skills) seen.set(skill, (seen.get(skill) ?? 0) + 1);
    }
    // The property is only worth something if the lines were recognised and carried markers.
    assert.ok(withMarkers > 4000, `${withMarkers} lines with markers`);
    assert.ok(longLines > 0, 'some lines were over the length limit');
    const builtinsSeen = [...seen.keys()].filter((skill) => BUILTIN_SKILL_NAMES.has(skill));
    assert.ok(builtinsSeen.length >= 40, `${builtinsSeen.length} distinct built-in skills seen`);
    for (const expected of ['pytest-run', 'npm-run-build', 'make-lint', 'yarn-run-bundle', 'cmd-tool', 'tox-run', 'eslint-check', 'k8s-deploy']) {
      assert.ok(seen.has(expected), `${expected} was produced`);
    }
  });

  test('random character soup never throws and yields only safe names', () => {
    const seed = 77_001;
    const gen = new Gen(seededRandom(seed));
    const alphabet = [...'abcdefghijklmnopqrstuvwxyz  -=./\\\'"`$(){}[]|&;<>#!*?~\n\t0123456789', 'é', '✓', '日', '🙂', '\u0000', '\u202e'];
    const words = ['pytest', 'npm', 'run', 'make', 'git', 'commit', 'sudo', 'env', 'python', '-m', 'npx', 'yarn', '<<EOF', 'EOF', '$(', '`', '&&'];
    for (let n = 0; n < 4000; n++) {
      let line = '';
      for (let k = gen.int(120); k > 0; k--) line += gen.chance(0.15) ? ` ${gen.pick(words)} ` : gen.pick(alphabet);
      let skills: string[] = [];
      assert.doesNotThrow(() => {
        skills = skillsFromCommandLine(line, { trackUnknown: true, rules: USER_RULES, workspace: PUBLIC_WORKSPACE });
      }, `seed ${seed}, line ${n}: ${JSON.stringify(line)}`);
      for (const skill of skills) assert.match(skill, SAFE_SKILL_NAME, `seed ${seed}, line ${n}: ${JSON.stringify(line)}`);
    }
  });
});

describe('script names and make targets the workspace does not define', () => {
  test('are left out of the skill name: npm-run, yarn-run, pnpm-run, make', () => {
    const secrets: Case[] = [
      ['npm run deploy:sk-live-XYZ', ['npm-run']],
      ['yarn deploy-prod-token', ['yarn-run']],
      ['pnpm run migrate_customer_acme', ['pnpm-run']],
      ['make release-hunter2', ['make']],
      ['npm run build', ['npm-run']],
      ['npm start', ['npm-run-start']],
      ['npm test', ['npm-test']],
    ];
    for (const [line, expected] of secrets) assert.deepEqual(skillsFromCommandLine(line), expected, line);
    for (const [line, expected] of secrets) assert.deepEqual(skillsFromCommandLine(line, { workspace: NO_WORKSPACE_NAMES }), expected, line);
    const workspace = { scripts: new Set(['deploy']), targets: new Set(['release']) };
    assert.deepEqual(skillsFromCommandLine('npm run deploy && make release', { workspace }), ['npm-run-deploy', 'make-release']);
    assert.deepEqual(skillsFromCommandLine('npm run deploy:sk-live-XYZ', { workspace }), ['npm-run']);
  });

  test("the names come from each folder's package.json scripts and makefile targets", () => {
    const { dir, cleanup } = tempDir('sb-workspace-');
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ scripts: { build: 'tsc', 'test:unit': 'node --test' } }));
      fs.writeFileSync(path.join(dir, 'Makefile'), 'CC := clang\n.PHONY: all docs\nall docs: deps\n\techo $(CC)\nrelease::\n\t@true\nVERSION = 1\n');
      const names = readWorkspaceNames([dir, path.join(dir, 'missing')]);
      assert.deepEqual([...names.scripts].sort(), ['build', 'test:unit']);
      assert.deepEqual([...names.targets].sort(), ['all', 'docs', 'release']);
      assert.deepEqual(targetsOf('two targets: deps\n\tindented: recipe line\n'), ['two', 'targets'], 'a recipe line is not a rule');
    } finally {
      cleanup();
    }
  });
});
