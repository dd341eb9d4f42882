/**
 * A generated, realistic history for the demo workspace (`npm start`): 60 days of one developer's
 * sessions, teammates' profiles and A/B test participants. Deterministic for a seed and a "now", so
 * a test can plant expectations on it. Nothing here touches a store; seedDemo.ts writes it.
 */
import { hashUserId, PROFILE_FORMAT, PROFILE_FORMAT_VERSION, type ProfileSkill, type TeamProfile } from '../analytics/profiles';
import { seededRandom, type Random } from '../analytics/seededRandom';
import type { InvocationRow, SessionRow } from '../store/events';
import { appendAll } from '../collections';

/** Sessions the demo writes carry this source, which the dashboard shows as "demo data". */
export const DEMO_SOURCE = 'demo';
export const DEMO_DAYS = 60;

interface SkillModel {
  /** Share of runs that complete, 0..1. */
  success: number;
  /** Median duration and the spread of its logarithm. */
  medianSeconds: number;
  spread: number;
}

const SKILLS: Readonly<Record<string, SkillModel>> = {
  'ruff-check': { success: 0.88, medianSeconds: 0.9, spread: 0.3 },
  'ruff-format': { success: 0.99, medianSeconds: 0.5, spread: 0.3 },
  'mypy-check': { success: 0.8, medianSeconds: 7, spread: 0.4 },
  'pytest-run': { success: 0.93, medianSeconds: 24, spread: 0.35 },
  'coverage-report': { success: 0.97, medianSeconds: 31, spread: 0.3 },
  'eslint-check': { success: 0.86, medianSeconds: 3.2, spread: 0.3 },
  'prettier-format': { success: 0.99, medianSeconds: 1.1, spread: 0.3 },
  'tsc-check': { success: 0.84, medianSeconds: 9, spread: 0.3 },
  'vitest-run': { success: 0.9, medianSeconds: 14, spread: 0.35 },
  'npm-run': { success: 0.94, medianSeconds: 38, spread: 0.3 },
  'npm-install': { success: 0.97, medianSeconds: 19, spread: 0.5 },
  'npm-audit': { success: 0.75, medianSeconds: 4, spread: 0.3 },
  'uv-install': { success: 0.98, medianSeconds: 3, spread: 0.5 },
  'git-status': { success: 1, medianSeconds: 0.1, spread: 0.3 },
  'git-diff': { success: 1, medianSeconds: 0.2, spread: 0.3 },
  'git-commit': { success: 0.95, medianSeconds: 1.5, spread: 0.6 },
  'git-push': { success: 0.93, medianSeconds: 2.8, spread: 0.5 },
  'git-pull': { success: 0.96, medianSeconds: 2.1, spread: 0.5 },
  'git-rebase': { success: 0.8, medianSeconds: 3.5, spread: 0.7 },
  'docker-build': { success: 0.9, medianSeconds: 95, spread: 0.3 },
  'docker-push': { success: 0.95, medianSeconds: 40, spread: 0.4 },
  'k8s-deploy': { success: 0.89, medianSeconds: 70, spread: 0.3 },
  'terraform-plan': { success: 0.92, medianSeconds: 25, spread: 0.3 },
  'sphinx-build': { success: 0.9, medianSeconds: 45, spread: 0.25 },
  'debug-python': { success: 0.55, medianSeconds: 180, spread: 0.8 },
  'debug-node': { success: 0.6, medianSeconds: 120, spread: 0.8 },
  'task-db-migrate': { success: 0.9, medianSeconds: 6, spread: 0.4 },
  'agent-code-review': { success: 0.92, medianSeconds: 60, spread: 0.5 },
  'agent-write-tests': { success: 0.78, medianSeconds: 95, spread: 0.5 },
  'agent-refactor': { success: 0.7, medianSeconds: 140, spread: 0.5 },
};

/** Skills only teammates use: what collaborative recommendations can suggest. */
const TEAM_ONLY_SKILLS: Readonly<Record<string, number>> = {
  'bandit-security': 0.94, 'pyright-check': 0.83, 'mkdocs-build': 0.95, 'helm-deploy': 0.9, 'pre-commit-run': 0.9,
};

/** What the planted regressions are, for the demo's own tests and for the README. */
export const DEMO_PLANTED = {
  /** A test getting flakier: over these last days pytest-run's completion falls steadily to `success`. */
  regression: { skill: 'pytest-run', sinceDays: 6, success: 0.35 },
  /** The type check got slower (the project's types grew). */
  slowdown: { skill: 'tsc-check', sinceDays: 10, factor: 2.2 },
  /** Deployments build an image first: the strongest dependency pair. */
  dependency: { skills: ['docker-build', 'k8s-deploy'] as const },
  /** In the last hour, every run of this skill fails: an open anomaly when the demo opens. */
  anomaly: { skill: 'ruff-check', runs: 5 },
} as const;

export const DEMO_AB_TEST = {
  /** Fixed, so that a user's group (a hash of the test id) stays the same each time the demo is generated. */
  test_id: 1,
  test_name: 'ranking-v2',
  description: 'Demo: do similar users, context and predicted success rank recommendations better than popularity and dependencies?',
  control_strategy: 'popularity_dependencies',
  treatment_strategy: 'collaborative_context_predictor',
  startedDaysAgo: 21,
  endsInDays: 9,
  min_sample_size: 30,
  users: 64,
  success: { control: 0.7, treatment: 0.8 },
} as const;

type Workflow = (random: Random) => string[];

/** What a session does, as skill sequences a developer actually runs. */
const WORKFLOWS: { weight: number; steps: Workflow }[] = [
  { weight: 5, steps: (r) => repeat(r, 2, 6, () => [...maybe(r, 0.8, 'ruff-check'), 'pytest-run', ...maybe(r, 0.25, 'coverage-report'), ...maybe(r, 0.2, 'mypy-check')]) },
  { weight: 3, steps: (r) => repeat(r, 2, 5, () => [...maybe(r, 0.7, 'eslint-check'), ...maybe(r, 0.5, 'tsc-check'), 'vitest-run']).concat(maybe(r, 0.6, 'npm-run')) },
  { weight: 4, steps: (r) => ['git-status', 'git-diff', ...maybe(r, 0.6, 'ruff-format'), ...maybe(r, 0.4, 'prettier-format'), 'git-commit', ...maybe(r, 0.92, 'git-push')] },
  { weight: 2, steps: (r) => ['git-pull', ...maybe(r, 0.3, 'git-rebase'), ...maybe(r, 0.5, 'npm-install'), ...maybe(r, 0.5, 'uv-install'), ...maybe(r, 0.2, 'npm-audit'), ...maybe(r, 0.4, 'task-db-migrate')] },
  { weight: 1.5, steps: (r) => ['docker-build', ...maybe(r, 0.9, 'docker-push'), ...maybe(r, 0.5, 'terraform-plan'), ...maybe(r, 0.85, 'k8s-deploy')] },
  { weight: 1.5, steps: (r) => [r() < 0.6 ? 'debug-python' : 'debug-node', ...maybe(r, 0.7, 'pytest-run')] },
  { weight: 2, steps: (r) => [...maybe(r, 0.7, 'agent-code-review'), ...maybe(r, 0.5, 'agent-write-tests'), ...maybe(r, 0.35, 'agent-refactor'), 'pytest-run'] },
  { weight: 0.6, steps: (r) => ['sphinx-build', ...maybe(r, 0.5, 'git-commit')] },
];

export interface DemoSession {
  session: SessionRow;
  ended_at: string;
  /** Rows without ids: the store gives them when they are written. */
  invocations: Omit<InvocationRow, 'id'>[];
}

export interface DemoAbParticipant {
  user_id: string;
  /** `draw` (0..1) below the group's success rate is a completed outcome; the group is the store's hash. */
  outcomes: { skill_name: string; draw: number; duration_seconds: number }[];
}

export interface DemoHistory {
  sessions: DemoSession[];
  profiles: TeamProfile[];
  abParticipants: DemoAbParticipant[];
}

export interface DemoOptions {
  /** The user the sessions belong to: the demo's editor user, so recommendations are "yours". */
  userId: string;
  now?: Date;
  seed?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function generateDemoHistory(options: DemoOptions): DemoHistory {
  const now = options.now ?? new Date();
  const random = seededRandom(options.seed ?? 20261201);
  const sessions: DemoSession[] = [];
  for (let daysAgo = DEMO_DAYS - 1; daysAgo >= 0; daysAgo--) {
    appendAll(sessions, daySessions(random, now, daysAgo, options.userId, sessions.length));
  }
  sessions.push(anomalySession(random, now, options.userId, sessions.length));
  return { sessions, profiles: teammateProfiles(random, now), abParticipants: abParticipants(random) };
}

/** Sessions of one 24-hour period before now; weekends are quiet, the last two days never are. */
function daySessions(random: Random, now: Date, daysAgo: number, userId: string, firstIndex: number): DemoSession[] {
  const dayStart = now.getTime() - (daysAgo + 1) * DAY_MS;
  const weekday = new Date(dayStart + 12 * HOUR_MS).getUTCDay();
  const weekend = daysAgo > 1 && (weekday === 0 || weekday === 6);
  // The last day is always a busy one, so the last hour's anomaly has a baseline to differ from.
  const count = daysAgo === 0 ? 4 : weekend ? (random() < 0.3 ? 1 : 0) : 2 + Math.floor(random() * 3);
  const out: DemoSession[] = [];
  // Spread the day's sessions over its working hours (the 24 h period's 2nd to 22nd hour).
  for (let i = 0; i < count; i++) {
    const start = dayStart + (2 + (20 * (i + random() * 0.6)) / count) * HOUR_MS;
    const steps = daysAgo === 0 ? [...WORKFLOWS[0].steps(random), ...WORKFLOWS[0].steps(random), ...pickWorkflows(random)] : pickWorkflows(random);
    const session = buildSession(random, start, daysAgo, userId, firstIndex + out.length, steps);
    if (Date.parse(session.ended_at) < now.getTime() - HOUR_MS) out.push(session);
  }
  return out;
}

/**
 * The last hour: a build that keeps failing, which anomaly detection reports as a drop. Its last
 * run ends a minute before now, so a demo started just after midnight still has runs today.
 */
function anomalySession(random: Random, now: Date, userId: string, index: number): DemoSession {
  const steps = Array<string>(DEMO_PLANTED.anomaly.runs).fill(DEMO_PLANTED.anomaly.skill);
  const built = buildSession(random, now.getTime() - 50 * 60_000, 0, userId, index, steps, () => false);
  const last = built.invocations[built.invocations.length - 1];
  const end = now.getTime() - 60_000;
  const byMs = end - (Date.parse(last.invoked_at) + (last.duration_seconds ?? 0) * 1000);
  const moved = (at: string): string => new Date(Date.parse(at) + byMs).toISOString();
  return {
    session: { ...built.session, started_at: moved(built.session.started_at) },
    ended_at: new Date(end).toISOString(),
    invocations: built.invocations.map((row) => ({ ...row, invoked_at: moved(row.invoked_at) })),
  };
}

function pickWorkflows(random: Random): string[] {
  const count = 2 + Math.floor(random() * 3);
  const steps: string[] = [];
  for (let i = 0; i < count; i++) appendAll(steps, pickWeighted(random, WORKFLOWS).steps(random));
  return steps;
}

function buildSession(random: Random, start: number, daysAgo: number, userId: string, index: number, steps: string[], outcome?: () => boolean): DemoSession {
  const sessionId = `demo-${String(index).padStart(4, '0')}`;
  let at = start;
  const invocations: Omit<InvocationRow, 'id'>[] = [];
  for (const skill of steps) {
    const model = modelOn(skill, daysAgo);
    const duration = round3(model.medianSeconds * Math.exp(normal(random) * model.spread));
    const completed = outcome ? outcome() : random() < model.success;
    invocations.push({
      skill_name: skill,
      invoked_at: new Date(at).toISOString(),
      session_id: sessionId,
      workflow_path: null,
      completed: completed ? 1 : 0,
      duration_seconds: duration,
      user_query: null,
      alternatives_considered: null,
      selection_rank: null,
      follow_up_actions: null,
      error_type: completed ? null : skill.startsWith('debug-') ? 'terminated' : 'exit 1',
      workflow_phase: null,
      workflow_step_id: null,
    });
    // The developer reads the output and edits before the next step.
    at += duration * 1000 + (20 + random() * 280) * 1000;
  }
  return {
    session: { session_id: sessionId, user_id: userId, project_hash: null, source: DEMO_SOURCE, started_at: new Date(start).toISOString() },
    ended_at: new Date(at).toISOString(),
    invocations,
  };
}

/** A skill's model on a day, with the planted regression and slowdown. */
function modelOn(skill: string, daysAgo: number): SkillModel {
  const model = SKILLS[skill];
  if (!model) throw new Error(`the demo has no model for skill ${skill}`);
  const { regression, slowdown } = DEMO_PLANTED;
  if (skill === regression.skill && daysAgo < regression.sinceDays) {
    const progress = (regression.sinceDays - daysAgo) / regression.sinceDays;
    return { ...model, success: model.success - (model.success - regression.success) * progress };
  }
  if (skill === slowdown.skill && daysAgo < slowdown.sinceDays) return { ...model, medianSeconds: model.medianSeconds * slowdown.factor };
  return model;
}

const TEAMMATES = ['ana', 'bo', 'chen', 'dara', 'eli', 'femi'];

/** Teammates' exported profiles: most of your skills, at their own rates, and a few you never run. */
function teammateProfiles(random: Random, now: Date): TeamProfile[] {
  const skills = Object.keys(SKILLS);
  return TEAMMATES.map((name, i) => {
    const used = skills.filter(() => random() < 0.7);
    const extra = Object.keys(TEAM_ONLY_SKILLS).filter(() => random() < 0.6);
    const profileSkills: ProfileSkill[] = [...used, ...extra].map((skill) => {
      const invocations = 5 + Math.floor(random() * 120);
      const rate = Math.min(1, Math.max(0, (SKILLS[skill]?.success ?? TEAM_ONLY_SKILLS[skill]) + (random() - 0.5) * 0.12));
      const completed = Math.round(invocations * rate);
      return { skill_name: skill, invocations, completed, completion_rate: completed / invocations, phases: {} };
    });
    return {
      format: PROFILE_FORMAT,
      format_version: PROFILE_FORMAT_VERSION,
      user_hash: hashUserId(`demo-teammate-${name}`),
      exported_at: new Date(now.getTime() - (2 + i * 5) * HOUR_MS).toISOString(),
      skills: profileSkills,
    };
  });
}

/** Users in the demo's A/B test, each with a few outcomes; the treatment does a little better. */
function abParticipants(random: Random): DemoAbParticipant[] {
  const candidates = ['pytest-run', 'ruff-check', 'git-push', 'vitest-run', 'docker-build', 'mypy-check'];
  return Array.from({ length: DEMO_AB_TEST.users }, (_, i) => ({
    user_id: `demo-ab-user-${String(i + 1).padStart(2, '0')}`,
    outcomes: Array.from({ length: 2 + Math.floor(random() * 6) }, () => ({
      skill_name: candidates[Math.floor(random() * candidates.length)],
      draw: random(),
      duration_seconds: round3(5 + random() * 60),
    })),
  }));
}

function pickWeighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let x = random() * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1];
}

function repeat(random: Random, min: number, max: number, steps: () => string[]): string[] {
  const times = min + Math.floor(random() * (max - min + 1));
  return Array.from({ length: times }, steps).flat();
}

function maybe(random: Random, probability: number, skill: string): string[] {
  return random() < probability ? [skill] : [];
}

/** A standard normal draw (Box–Muller). */
function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
