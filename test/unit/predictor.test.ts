import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  MIN_TRAINING_SAMPLES,
  PredictorNotTrainedError,
  PredictorRefusal,
  PredictorService,
  predictSkillSuccess,
  predictorPath,
  trainPredictor,
  type TrainProgress,
} from '../../src/core/analytics/predictor';
import { extractSamples } from '../../src/core/analytics/predictorFeatures';
import { seededRandom, type Random } from '../../src/core/analytics/seededRandom';
import { plant, tempStore, type PlantedInvocation } from '../helpers/store';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A fixed "now" at midnight UTC: planted days are whole UTC days, so hours of day are known. */
const NOW = new Date('2026-06-15T00:00:00.000Z');

/** `perDay` invocations a day at random times over the `days` days before NOW, one session a day. */
function spread(days: number, perDay: number, random: Random, make: (at: Date, day: number) => Omit<PlantedInvocation, 'at' | 'session'>): PlantedInvocation[] {
  const out: PlantedInvocation[] = [];
  for (let d = 0; d < days; d++) {
    const dayStart = NOW.getTime() - (days - d) * DAY;
    for (let n = 0; n < perDay; n++) {
      const at = new Date(dayStart + Math.floor(random() * DAY));
      out.push({ ...make(at, d), at, session: `day-${d}` });
    }
  }
  return out.sort((a, b) => (a.at as Date).getTime() - (b.at as Date).getTime());
}

const isNight = (at: Date) => at.getUTCHours() < 8;

/** The planted truth: "nightly-build" completes 10 % of the time between 00:00 and 08:00 UTC, 90 % by day. */
function nightAndDay(seed: number, days = 28, perDay = 30): PlantedInvocation[] {
  const random = seededRandom(seed);
  return spread(days, perDay, random, (at) => ({ skill: 'nightly-build', completed: random() < (isNight(at) ? 0.1 : 0.9), phase: random() < 0.5 ? 'execution' : 'verification' }));
}

/** Outcomes independent of everything: coin flips with P(completed) = p, several skills and phases. */
function noSignal(seed: number, p: number, days = 28, perDay = 30): PlantedInvocation[] {
  const random = seededRandom(seed);
  const skills = ['lint', 'test', 'build', 'deploy'];
  const phases = ['setup', 'execution', 'verification', null];
  return spread(days, perDay, random, () => ({
    skill: skills[Math.floor(random() * skills.length)],
    phase: phases[Math.floor(random() * phases.length)],
    completed: random() < p,
  }));
}

describe('predictor features', () => {
  it('computes each invocation’s features from strictly earlier data: flipping its own outcome changes none of them', async () => {
    const t = await tempStore();
    try {
      const base = Date.parse('2026-06-10T10:00:00.000Z');
      const at = (minutes: number) => new Date(base + minutes * 60_000);
      const planted: PlantedInvocation[] = [
        { skill: 'test', at: at(0), session: 's1', completed: true },
        { skill: 'test', at: at(10), session: 's1', completed: true },
        { skill: 'test', at: at(20), session: 's1', completed: false },
        { skill: 'lint', at: at(20), session: 's1', completed: true },
        { skill: 'test', at: at(30), session: 's1', completed: true },
        { skill: 'test', at: at(24 * 60 + 25), session: 's2', completed: true },
      ];
      await plant(t.store, planted);
      const samples = extractSamples(t.store.db, '2026-06-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z');
      const bySkillAt = (skill: string, minutes: number) => samples.find((s) => s.skill_name === skill && s.invoked_at === at(minutes).toISOString())!;
      // The third "test" run sees the two completed runs before it, not itself.
      assert.equal(bySkillAt('test', 20).features.count24h, 2);
      assert.equal(bySkillAt('test', 20).features.completed24h, 2);
      assert.equal(bySkillAt('test', 20).features.sessionCompletions, 2);
      assert.equal(bySkillAt('test', 20).features.sessionAgeMinutes, 20);
      assert.equal(bySkillAt('test', 30).features.completed24h, 2);
      assert.equal(bySkillAt('test', 30).features.count24h, 3);
      // 24 h later only the run at +30 min is inside the window [t − 24 h, t); a new session starts at 0.
      assert.equal(bySkillAt('test', 24 * 60 + 25).features.count24h, 1);
      assert.equal(bySkillAt('test', 24 * 60 + 25).features.sessionCompletions, 0);
      assert.equal(bySkillAt('test', 24 * 60 + 25).features.sessionAgeMinutes, 0);
      assert.equal(bySkillAt('test', 0).features.hour, 10);
      assert.equal(bySkillAt('test', 0).features.weekday, 2, '2026-06-10 is a Wednesday (Monday = 0)');

      const flipped = planted.map((p, i) => (i === 2 ? { ...p, completed: true } : p));
      const t2 = await tempStore();
      try {
        await plant(t2.store, flipped);
        const again = extractSamples(t2.store.db, '2026-06-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z');
        const idx = samples.findIndex((s) => s.skill_name === 'test' && s.invoked_at === at(20).toISOString());
        assert.deepEqual(again[idx].features, samples[idx].features, 'the flipped row’s own features are unchanged');
        assert.notEqual(again[idx].label, samples[idx].label);
        const later = samples.findIndex((s) => s.skill_name === 'test' && s.invoked_at === at(30).toISOString());
        assert.equal(again[later].features.completed24h, 3, 'the flip is visible to later rows only');
      } finally {
        await t2.close();
      }
    } finally {
      await t.close();
    }
  });
});

describe('trainPredictor', () => {
  it('finds a planted night/day signal: beats the majority baseline by at least 10 points, hour is the most important feature', async () => {
    const t = await tempStore();
    try {
      await plant(t.store, nightAndDay(1));
      const stages = new Set<string>();
      const result = await trainPredictor(t.store, { days: 30, now: NOW, onProgress: (p: TrainProgress) => stages.add(p.stage) });
      assert.equal(result.samples, 28 * 30);
      assert.ok(result.accuracy - result.baselineAccuracy >= 0.1, `accuracy ${result.accuracy} vs baseline ${result.baselineAccuracy}`);
      const ranked = Object.entries(result.featureImportance).sort((a, b) => b[1] - a[1]);
      assert.equal(ranked[0][0], 'hour', JSON.stringify(result.featureImportance));
      assert.ok(result.featureImportance.hour >= 0.05);
      assert.deepEqual([...stages].sort(), ['evaluating', 'fitting', 'reading', 'saving']);

      const night = predictSkillSuccess(t.store, 'nightly-build', { at: '2026-06-15T03:00:00.000Z', phase: 'execution' });
      const day = predictSkillSuccess(t.store, 'nightly-build', { at: '2026-06-15T15:00:00.000Z', phase: 'execution' });
      assert.ok(night.probability < 0.4, `night ${night.probability}`);
      assert.ok(day.probability > 0.6, `day ${day.probability}`);
      for (const p of [night, day]) {
        assert.ok(Number.isInteger(Math.round(p.probability * p.neighbours * 1e9) / 1e9), 'a vote share of the neighbours');
        assert.equal(p.model_trained_at, result.trainedAt);
      }
    } finally {
      await t.close();
    }
  });

  it('gives importances near 0 and no gain over the baseline when outcomes carry no signal', async () => {
    const t = await tempStore();
    try {
      await plant(t.store, noSignal(2, 0.7, 28, 60));
      const result = await trainPredictor(t.store, { days: 30, now: NOW });
      for (const [feature, importance] of Object.entries(result.featureImportance)) {
        assert.ok(Math.abs(importance) < 0.04, `${feature}: ${importance}`);
      }
      assert.ok(result.accuracy - result.baselineAccuracy < 0.03, `accuracy ${result.accuracy} vs baseline ${result.baselineAccuracy}`);
    } finally {
      await t.close();
    }
  });

  it('does not leak the label: random outcomes that a leaky 24 h rate or session count would predict stay unpredictable', async () => {
    const t = await tempStore();
    try {
      // Sparse skills (about 2 runs a day each) and short sessions: a rate or counter that included
      // the row itself would be dominated by the row's own outcome.
      const random = seededRandom(3);
      const skills = Array.from({ length: 24 }, (_, i) => `skill-${i}`);
      const planted: PlantedInvocation[] = [];
      for (let d = 0; d < 28; d++) {
        for (const skill of skills) {
          for (let r = 0; r < 2; r++) {
            const at = new Date(NOW.getTime() - (28 - d) * DAY + Math.floor(random() * DAY));
            planted.push({ skill, at, session: `${skill}-${d}-${r}`, completed: random() < 0.5 });
          }
        }
      }
      await plant(t.store, planted);

      // The test's power: the leaky version of the 24 h rate (counting the row itself) predicts well here.
      const samples = extractSamples(t.store.db, new Date(NOW.getTime() - 30 * DAY).toISOString(), NOW.toISOString());
      let leakyRight = 0;
      for (const s of samples) {
        const leakyRate = (s.features.completed24h + s.label) / (s.features.count24h + 1);
        if ((leakyRate >= 0.5 ? 1 : 0) === s.label) leakyRight++;
      }
      assert.ok(leakyRight / samples.length > 0.7, `leaky rule accuracy ${leakyRight / samples.length}`);

      const result = await trainPredictor(t.store, { days: 30, now: NOW });
      // A version that counts the row itself scores 100 % here (checked by making the feature leaky).
      assert.ok(result.accuracy - result.baselineAccuracy < 0.1, `accuracy ${result.accuracy} vs baseline ${result.baselineAccuracy}`);
      assert.ok(result.accuracy < 0.6, `accuracy ${result.accuracy}`);
      assert.ok(Math.abs(result.featureImportance.skill_success_rate_24h) < 0.1);
      assert.ok(Math.abs(result.featureImportance.session_completions) < 0.1);
    } finally {
      await t.close();
    }
  });

  it(`refuses under ${MIN_TRAINING_SAMPLES} samples, with a clear message`, async () => {
    const t = await tempStore();
    try {
      const planted = nightAndDay(4, 28, 30).slice(0, MIN_TRAINING_SAMPLES - 1);
      await plant(t.store, planted);
      await assert.rejects(trainPredictor(t.store, { days: 30, now: NOW }), (err: Error) => {
        assert.ok(err instanceof PredictorRefusal);
        assert.match(err.message, /99 invocations in the last 30 days, at least 100 are needed/);
        return true;
      });
      assert.equal(fs.existsSync(predictorPath(t.store)), false);
    } finally {
      await t.close();
    }
  });

  it('refuses data with a single outcome', async () => {
    const t = await tempStore();
    try {
      await plant(t.store, nightAndDay(5, 10, 20).map((p) => ({ ...p, completed: true })));
      await assert.rejects(trainPredictor(t.store, { days: 30, now: NOW }), (err: Error) => {
        assert.ok(err instanceof PredictorRefusal);
        assert.match(err.message, /all 200 invocations .* completed; it needs both outcomes/);
        return true;
      });
    } finally {
      await t.close();
    }
  });

  it('only uses the window: invocations older than `days` or after `now` are not samples', async () => {
    const t = await tempStore();
    try {
      const after = Array.from({ length: 5 }, (_, i): PlantedInvocation => ({ skill: 'nightly-build', at: new Date(NOW.getTime() + i * HOUR), completed: false }));
      await plant(t.store, [...nightAndDay(6, 28, 10), ...after]);
      const result = await trainPredictor(t.store, { days: 14, now: NOW });
      assert.equal(result.samples, 14 * 10);
    } finally {
      await t.close();
    }
  });

  it('rejects a bad `days`', async () => {
    const t = await tempStore();
    try {
      await assert.rejects(trainPredictor(t.store, { days: 0 }), /days: must be a whole number/);
    } finally {
      await t.close();
    }
  });
});

describe('predictSkillSuccess', () => {
  it('says clearly when no model has been trained, and validates the context', async () => {
    const t = await tempStore();
    try {
      assert.throws(() => predictSkillSuccess(t.store, 'lint'), (err: Error) => err instanceof PredictorNotTrainedError && /predictor train/.test(err.message));
      assert.throws(() => predictSkillSuccess(t.store, 'lint', { at: 'yesterday' }), /at: Unparseable timestamp "yesterday"/);
      assert.throws(() => predictSkillSuccess(t.store, 'lint', { sessionId: '' }), /sessionId: must not be empty/);
      assert.throws(() => predictSkillSuccess(t.store, ''), /skill: must not be empty/);
    } finally {
      await t.close();
    }
  });

  it('saves the model beside the database and gives the same predictions after reloading it', async () => {
    const t = await tempStore();
    try {
      await plant(t.store, nightAndDay(7));
      await trainPredictor(t.store, { days: 30, now: NOW });
      const path = predictorPath(t.store);
      assert.equal(path, `${t.dbPath}.predictor.json`);
      const contexts = [0, 3, 6, 9, 12, 15, 18, 21].map((h) => ({
        at: new Date(Date.UTC(2026, 5, 15, h, 30)),
        phase: h % 2 ? 'execution' : 'verification',
        ...(h % 3 ? { sessionId: 'day-27' } : {}),
      }));
      const before = contexts.map((c) => predictSkillSuccess(t.store, 'nightly-build', c));
      assert.ok(before.some((p) => p.probability > 0 && p.probability < 1), 'probabilities, not hard labels');

      // A new modification time makes the cache re-read the file, as after another window retrained.
      const stat = fs.statSync(path);
      fs.utimesSync(path, stat.atime, new Date(stat.mtimeMs + 5_000));
      const after = contexts.map((c) => predictSkillSuccess(t.store, 'nightly-build', c));
      assert.deepEqual(after, before);

      // A model saved while the predictor still had its language feature (never known, so no columns) keeps working.
      const saved = JSON.parse(fs.readFileSync(path, 'utf8'));
      fs.writeFileSync(path, JSON.stringify({ ...saved, encoder: { ...saved.encoder, languages: [] }, feature_importance: { ...saved.feature_importance, language: 0 } }));
      fs.utimesSync(path, stat.atime, new Date(stat.mtimeMs + 10_000));
      assert.deepEqual(contexts.map((c) => predictSkillSuccess(t.store, 'nightly-build', c)), before);

      fs.writeFileSync(path, '{"format":"something-else"}');
      assert.throws(() => predictSkillSuccess(t.store, 'nightly-build'), /cannot be used \(not a predictor model\)/);
    } finally {
      await t.close();
    }
  });
});

describe('PredictorService', () => {
  // The service's timers are unref()'d so that they never keep an editor or CLI process alive;
  // here a ref'd timer keeps the test's event loop running while it waits for them.
  let keepAlive: NodeJS.Timeout;
  before(() => {
    keepAlive = setInterval(() => undefined, 1000);
  });
  after(() => clearInterval(keepAlive));

  it('retrains in the background some time after the store changes, reporting progress', async () => {
    const t = await tempStore();
    const stages: string[] = [];
    let service: PredictorService | undefined;
    try {
      const trained = new Promise<number>((resolve) => {
        service = new PredictorService(t.store, { checkDelayMs: 10, onProgress: (p) => stages.push(p.stage), onTrained: (r) => resolve(r.samples) }).start();
      });
      const random = seededRandom(9);
      await plant(t.store, Array.from({ length: 150 }, (_, i) => ({ skill: 'lint', at: new Date(Date.now() - DAY + i * 60_000), completed: random() < 0.7 })));
      assert.equal(await trained, 150);
      assert.ok(stages.includes('evaluating') && stages.at(-1) === 'saving');
      assert.ok(fs.existsSync(predictorPath(t.store)));
    } finally {
      service?.dispose();
      await t.close();
    }
  });

  it('trains once there is enough data and retrains only after 20 % growth', async () => {
    const t = await tempStore();
    const service = new PredictorService(t.store, { days: 30, checkDelayMs: 60_000 });
    try {
      // All planted times are in the last 30 days before the real clock, as the service uses now.
      const random = seededRandom(8);
      const make = (n: number, offsetDays: number): PlantedInvocation[] =>
        Array.from({ length: n }, (_, i) => {
          const at = new Date(Date.now() - offsetDays * DAY + i * 60_000);
          return { skill: 'nightly-build', at, session: `s-${offsetDays}`, completed: random() < (isNight(at) ? 0.1 : 0.9) };
        });
      await plant(t.store, make(80, 20));
      assert.equal(await service.maybeRetrain(), undefined, 'under 100 samples: nothing to do');

      await plant(t.store, make(120, 15));
      const first = await service.maybeRetrain();
      assert.equal(first?.samples, 200);
      assert.equal(await service.maybeRetrain(), undefined, 'no new data');

      await plant(t.store, make(39, 5));
      assert.equal(await service.maybeRetrain(), undefined, '39 new = 19.5 % of 200');
      await plant(t.store, make(1, 4));
      const second = await service.maybeRetrain();
      assert.equal(second?.samples, 240);
    } finally {
      service.dispose();
      await t.close();
    }
  });
});
