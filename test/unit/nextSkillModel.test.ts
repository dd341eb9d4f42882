import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom, type Random } from '../../src/core/analytics/seededRandom';
import { NextSkillScore } from '../../src/core/recommend/nextSkillMetrics';
import { NextSkillModel } from '../../src/core/recommend/nextSkillModel';
import { reasonText } from '../../src/core/recommend/nextSkillReasons';
import type { NextSkillEvidence, NextSkillPrediction, SkillRunEvent } from '../../src/core/recommend/nextSkillTypes';
import { TopOneCalibrator, poolAdjacentViolators } from '../../src/core/recommend/topOneCalibrator';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5, 9);

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/**
 * Several users' working loops: tests fail a third of the time, and a failure is followed by each
 * user's own fix step (even users re-run the tests, odd users run the linter first), a pass by a
 * build; sessions of 5–30 runs a minute or two apart, separated by hours; the editor's context is
 * known but says nothing of the next run.
 */
function workingLoops(seed: number, users: number, runsPerUser: number): SkillRunEvent[] {
  const random = seededRandom(seed);
  const events: SkillRunEvent[] = [];
  for (let u = 0; u < users; u++) {
    let at = T0 + u * 7 * MINUTE;
    let previous: SkillRunEvent | undefined;
    let left = 0;
    for (let i = 0; i < runsPerUser; i++) {
      if (left === 0) {
        at += 3 * 60 * MINUTE;
        left = 5 + Math.floor(random() * 25);
        previous = undefined;
      }
      left--;
      at += MINUTE + Math.floor(random() * MINUTE);
      let skill: string;
      if (!previous) skill = 'git-pull';
      else if (previous.skill === 'pytest-run' && previous.completed === false) skill = random() < 0.8 === (u % 2 === 0) ? 'pytest-run' : 'ruff-check';
      else if (previous.skill === 'pytest-run') skill = random() < 0.8 ? 'build' : 'git-commit';
      else skill = random() < 0.7 ? 'pytest-run' : pick(random, ['ruff-check', 'git-status', 'mypy']);
      const event: SkillRunEvent = { user: `dev-${u}`, skill, atMs: at, completed: skill === 'pytest-run' ? random() > 0.35 : random() > 0.05, durationSeconds: 5 + random() * 20, editor: { languageId: 'python', isTestFile: random() < 0.5 } };
      events.push(event);
      previous = event;
    }
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}

interface Asked {
  index: number;
  prediction: NextSkillPrediction;
  actualProbability: number;
}

/** Online replay: before each event from `from` on, the user's top k; then the event is learned. */
function replay(model: NextSkillModel, events: readonly SkillRunEvent[], from = 0, k = 3): Asked[] {
  const asked: Asked[] = [];
  events.forEach((event, index) => {
    if (index >= from) {
      const query = { atMs: event.atMs, ...event.editor };
      asked.push({ index, prediction: model.predict(event.user, query, k), actualProbability: model.distribution(event.user, query).probability(event.skill) });
    }
    model.observe(event);
  });
  return asked;
}

function logLoss(asked: readonly Asked[]): number {
  let sum = 0;
  for (const a of asked) sum -= Math.log(a.actualProbability);
  return sum / asked.length;
}

describe('next-skill model', () => {
  const events = workingLoops(1, 6, 400);

  it('gives byte-identical predictions for the same runs', () => {
    const first = JSON.stringify(replay(new NextSkillModel(), events));
    const second = JSON.stringify(replay(new NextSkillModel(), events));
    assert.ok(first.length > 10_000);
    assert.equal(first, second);
  });

  it('does not peek: the predictions before a cut are the same with the runs after it removed', () => {
    const cut = Math.floor(events.length * 0.6);
    const full = replay(new NextSkillModel(), events).filter((a) => a.index < cut);
    const truncated = replay(new NextSkillModel(), events.slice(0, cut));
    assert.equal(JSON.stringify(truncated), JSON.stringify(full));
    // The comparison can fail: a replay that learns each run before predicting it differs.
    const peeking = new NextSkillModel();
    const leaked = events.slice(0, cut).map((event, index) => {
      peeking.observe(event);
      return { index, prediction: peeking.predict(event.user, { atMs: event.atMs, ...event.editor }, 3) };
    });
    assert.notEqual(JSON.stringify(leaked.map((a) => a.prediction)), JSON.stringify(full.map((a) => a.prediction)));
  });

  it('asking does not change what it learns', () => {
    const quiet = new NextSkillModel();
    for (const event of events.slice(0, 500)) quiet.observe(event);
    const asking = new NextSkillModel();
    for (const event of events.slice(0, 500)) {
      asking.predict(event.user, { atMs: event.atMs + 5 * MINUTE, languageId: 'go' }, 5);
      asking.predict('someone-else', {}, 5);
      asking.observe(event);
    }
    const last = events[500];
    assert.deepEqual(asking.predict(last.user, { atMs: last.atMs }, 5), quiet.predict(last.user, { atMs: last.atMs }, 5));
  });

  it('learns the outcome: after a failed test run the re-run leads, after a pass the build', () => {
    const model = new NextSkillModel();
    replay(model, events);
    const user = 'dev-0';
    const now = events[events.length - 1].atMs + 60 * MINUTE * 24;
    const start = { user, atMs: now, durationSeconds: 10, editor: { languageId: 'python', isTestFile: true } };
    model.observe({ ...start, skill: 'git-pull', completed: true });
    model.observe({ ...start, atMs: now + MINUTE, skill: 'pytest-run', completed: false });
    const afterFailure = model.predict(user, { atMs: now + 2 * MINUTE }, 3);
    assert.equal(afterFailure.items[0].skill, 'pytest-run');
    assert.deepEqual(afterFailure.context.session.at(-1), { skill: 'pytest-run', outcome: 'failed' });
    const other = new NextSkillModel();
    replay(other, events);
    other.observe({ ...start, skill: 'git-pull', completed: true });
    other.observe({ ...start, atMs: now + MINUTE, skill: 'pytest-run', completed: true });
    assert.equal(other.predict(user, { atMs: now + 2 * MINUTE }, 3).items[0].skill, 'build');
  });

  it('uses the outcome: the same runs without outcomes are predicted worse', () => {
    const withOutcomes = replay(new NextSkillModel(), events, 1000);
    const withoutOutcomes = replay(
      new NextSkillModel(),
      events.map(({ completed: _completed, ...rest }) => rest),
      1000,
    );
    const hits = (asked: Asked[]) => asked.filter((a) => a.prediction.items[0]?.skill === events[a.index].skill).length / asked.length;
    assert.ok(logLoss(withOutcomes) < logLoss(withoutOutcomes) - 0.1, `log loss ${logLoss(withOutcomes)} vs ${logLoss(withoutOutcomes)}`);
    assert.ok(hits(withOutcomes) > hits(withoutOutcomes) + 0.05, `hit@1 ${hits(withOutcomes)} vs ${hits(withoutOutcomes)}`);
  });

  it('says why, with the counts: the fix step a failure leads to', () => {
    const model = new NextSkillModel();
    replay(model, events);
    const episodes: string[][] = [['build']];
    for (let i = 0; i < 7; i++) episodes.push(['pytest-run:failed', 'ruff-check', 'pytest-run', 'build']);
    for (let i = 0; i < 2; i++) episodes.push(['pytest-run:failed', 'pytest-run', 'build']);
    for (let i = 0; i < 6; i++) episodes.push(['pytest-run', 'build']);
    episodes.push(['pytest-run:failed']);
    const start = events[events.length - 1].atMs + 24 * 60 * MINUTE;
    episodes.flat().forEach((run, i) => model.observe({ user: 'ana', skill: run.split(':')[0], completed: !run.endsWith(':failed'), atMs: start + i * MINUTE }));
    const top = model.predict('ana', { atMs: start + episodes.flat().length * MINUTE }, 2).items[0];
    assert.equal(top.skill, 'ruff-check');
    assert.ok(top.evidence.kind === 'after' && top.evidence.scope === 'you', JSON.stringify(top.evidence));
    assert.deepEqual([top.evidence.count, top.evidence.total, top.evidence.context.at(-1)], [7, 9, { skill: 'pytest-run', outcome: 'failed' }]);
    assert.match(top.reason, /^After (build → )?pytest-run failed, you ran ruff-check next 7 of 9 times\.$/);
  });

  it("backs off to everyone's runs for a new user", () => {
    const model = new NextSkillModel();
    for (let u = 0; u < 5; u++) {
      for (let s = 0; s < 4; s++) {
        const at = T0 + (u * 4 + s) * 120 * MINUTE;
        model.observe({ user: `old-${u}`, skill: 'checkout', atMs: at });
        model.observe({ user: `old-${u}`, skill: 'docker-build', atMs: at + MINUTE });
        model.observe({ user: `old-${u}`, skill: 'k8s-deploy', atMs: at + 2 * MINUTE });
      }
    }
    const later = T0 + 100 * 120 * MINUTE;
    const nobody = model.predict('new-user', {}, 3);
    assert.equal(nobody.items[0].skill, 'checkout');
    assert.equal(nobody.context.pause, 'new session');
    model.observe({ user: 'new-user', skill: 'docker-build', atMs: later });
    const next = model.predict('new-user', { atMs: later + MINUTE }, 3);
    assert.equal(next.items[0].skill, 'k8s-deploy');
    assert.equal(next.items[0].evidence.kind === 'after' && next.items[0].evidence.scope, 'everyone');
    assert.match(next.items[0].reason, /^After docker-build, users ran k8s-deploy next 20 of 20 times\.$/);
  });

  it('starts a new session after 30 idle minutes, or when the session id changes', () => {
    const model = new NextSkillModel();
    for (let day = 0; day < 10; day++) {
      const at = T0 + day * 24 * 60 * MINUTE;
      ['git-pull', 'npm-test', 'npm-test', 'git-push'].forEach((skill, i) => model.observe({ user: 'bo', skill, atMs: at + i * MINUTE }));
    }
    const lastAt = T0 + 9 * 24 * 60 * MINUTE + 3 * MINUTE;
    assert.equal(model.predict('bo', { atMs: lastAt + 31 * MINUTE }, 1).items[0].skill, 'git-pull');
    assert.equal(model.predict('bo', { atMs: lastAt + 29 * MINUTE }, 1).context.pause, '5 to 30 min');
    const named = new NextSkillModel();
    ['git-pull', 'npm-test', 'git-push', 'git-pull', 'npm-test', 'git-push'].forEach((skill, i) => named.observe({ user: 'bo', skill, atMs: T0 + i * MINUTE, session: i < 3 ? 'a' : 'b' }));
    assert.equal(named.predict('bo', { atMs: T0 + 6 * MINUTE, session: 'c' }, 1).context.pause, 'new session');
    assert.equal(named.predict('bo', { atMs: T0 + 6 * MINUTE, session: 'b' }, 1).context.pause, '10 s to 1 min');
  });

  it('gives probabilities that add up, with mass left for skills never run', () => {
    const model = new NextSkillModel();
    replay(model, events.slice(0, 800));
    const prediction = model.predict('dev-1', { atMs: events[800].atMs }, 3);
    let sum = prediction.restProbability;
    for (const item of prediction.items) sum += item.probability;
    assert.ok(Math.abs(sum - 1) < 1e-9);
    assert.ok(prediction.unseenProbability > 0 && prediction.unseenProbability < prediction.restProbability);
    const distribution = model.distribution('dev-1', { atMs: events[800].atMs });
    assert.ok(distribution.probability('never-heard-of') > 0);
    let total = distribution.rest;
    for (const item of distribution.top(distribution.candidates)) total += item.probability;
    assert.ok(Math.abs(total - 1) < 1e-9);
    model.observe(events[800]);
    assert.throws(() => distribution.probability('never-heard-of'), /learned since/);
  });

  it("gives the unseen mass as the sum over every skill the user has not run, new ones included", () => {
    const model = new NextSkillModel();
    replay(model, events.slice(0, 800));
    const at = events[800].atMs;
    ['docker-build', 'k8s-deploy', 'docker-build', 'helm-lint'].forEach((skill, i) => model.observe({ user: 'ops', skill, atMs: at + i * MINUTE }));
    const user = 'dev-1';
    const ran = new Set(events.slice(0, 800).filter((e) => e.user === user).map((e) => e.skill));
    const everything = new Set([...events.slice(0, 800).map((e) => e.skill), 'docker-build', 'k8s-deploy', 'helm-lint']);
    const distribution = model.distribution(user, { atMs: at + 10 * MINUTE });
    let expected = distribution.probability('a-skill-nobody-ran');
    for (const skill of everything) if (!ran.has(skill)) expected += distribution.probability(skill);
    const unseen = model.predict(user, { atMs: at + 10 * MINUTE }, 3).unseenProbability;
    assert.ok(expected > 0 && Math.abs(unseen - expected) < 1e-9, `${unseen} vs ${expected}`);
  });

  it('is calibrated on a stream with known odds', () => {
    const random = seededRandom(3);
    const model = new NextSkillModel();
    const score = new NextSkillScore(1);
    for (let i = 0; i < 6000; i++) {
      const user = `u${i % 3}`;
      const skill = random() < 0.7 ? 'test' : pick(random, ['lint', 'build', 'fmt']);
      const at = T0 + i * MINUTE;
      if (i >= 3000) {
        const distribution = model.distribution(user, { atMs: at });
        const top = distribution.top(1);
        score.add({ user, top: top.map((t) => t.skill), actual: skill, probabilities: top.map((t) => t.probability), actualProbability: distribution.probability(skill) });
      }
      model.observe({ user, skill, atMs: at });
    }
    const figures = score.summary();
    assert.ok(figures.calibration && figures.calibration.ece < 0.05, `ECE ${figures.calibration?.ece}`);
    assert.ok(Math.abs(figures.micro.hit1 - 0.7) < 0.03);
  });

  it('keeps at most maxUsers users, and drops those who ran longest ago beyond maxUserContexts', () => {
    const model = new NextSkillModel({ maxUsers: 3 });
    for (let u = 0; u < 10; u++) model.observe({ user: `u${u}`, skill: 'x', atMs: T0 + u });
    assert.equal(model.userCount, 3);
    const small = new NextSkillModel({ maxUserContexts: 200 });
    for (const event of events.slice(0, 1500)) small.observe(event);
    assert.ok(small.userCount >= 1 && small.userCount < 6, String(small.userCount));
  });

  it('refuses runs it cannot place in time', () => {
    assert.throws(() => new NextSkillModel().observe({ user: 'a', skill: 'b', atMs: Number.NaN }), /atMs/);
    assert.throws(() => new NextSkillModel().observe({ user: '', skill: 'b', atMs: 0 }), /user/);
  });

  it('recording then observing builds the same counts as observing throughout', () => {
    const observed = new NextSkillModel();
    const recorded = new NextSkillModel();
    for (const event of events.slice(0, 600)) {
      observed.observe(event);
      recorded.record(event);
    }
    const a = observed.predict('dev-2', { atMs: events[600].atMs }, 3).items.map((i) => [i.skill, i.evidence]);
    const b = recorded.predict('dev-2', { atMs: events[600].atMs }, 3).items.map((i) => [i.skill, i.evidence]);
    assert.deepEqual(new Set(a.map(([skill]) => skill)), new Set(b.map(([skill]) => skill)));
  });
});

describe('top-1 calibrator', () => {
  it('is the identity without data and learns an overconfident model', () => {
    const calibrator = new TopOneCalibrator();
    assert.ok(Math.abs(calibrator.calibrate(0.9) - 0.9) < 1e-9);
    const random = seededRandom(5);
    for (let i = 0; i < 5000; i++) calibrator.learn(0.9, random() < 0.6);
    assert.ok(Math.abs(calibrator.calibrate(0.9) - 0.6) < 0.03, String(calibrator.calibrate(0.9)));
    assert.ok(calibrator.calibrate(0.5) <= calibrator.calibrate(0.9));
  });

  it('pool-adjacent-violators gives the closest non-decreasing sequence', () => {
    assert.deepEqual(poolAdjacentViolators([1, 3, 2, 4], [1, 1, 1, 1]), [1, 2.5, 2.5, 4]);
    assert.deepEqual(poolAdjacentViolators([3, 2, 1], [1, 1, 2]), [1.75, 1.75, 1.75]);
  });
});

describe('next-skill reasons', () => {
  it('say each kind of evidence in one plain sentence', () => {
    const cases: [NextSkillEvidence, string][] = [
      [{ kind: 'after', scope: 'you', context: [{ skill: null }], count: 5, total: 8 }, 'After the start of a session, you ran lint next 5 of 8 times.'],
      [{ kind: 'after', scope: 'you', context: [{ skill: 'lint', outcome: 'failed' }], count: 1, total: 1 }, 'After lint failed, you re-ran it 1 of 1 time.'],
      [{ kind: 'pause', scope: 'everyone', context: { skill: 'test' }, pause: 'under 10 s', count: 3, total: 4 }, 'Under 10 s after test, users ran lint next 3 of 4 times.'],
      [{ kind: 'editor', scope: 'you', editor: { languageId: 'python', isTestFile: true }, count: 12, total: 30 }, 'With a python test file open, you ran lint 12 of 30 times.'],
      [{ kind: 'two-back', context: { skill: 'build' }, count: 2, total: 3 }, 'Two runs after build, you ran lint 2 of 3 times.'],
      [{ kind: 'recent', count: 1, window: 4 }, 'You ran lint 1 time in your last 4 runs.'],
      [{ kind: 'repeat', length: 6 }, 'Your last 6 runs repeat an earlier stretch of yours, and lint came next then.'],
      [{ kind: 'popular', scope: 'you', count: 40, total: 100 }, 'One of your most run skills: 40 of your 100 runs.'],
    ];
    for (const [evidence, text] of cases) assert.equal(reasonText('lint', evidence), text);
  });
});
