/**
 * Writes the generated demo history into an empty store through the same paths real data takes
 * (the event log, profile import, the A/B framework), then runs the analytics the editor runs in
 * the background, so the demo opens with every view populated.
 */
import { assignUser, createAbTest, recordAbOutcome } from '../analytics/abTesting';
import { detectAnomalies } from '../analytics/anomalies';
import { updateSkillDependencies } from '../analytics/dependencies';
import { PredictorRefusal, trainPredictor } from '../analytics/predictor';
import { importValidProfiles } from '../analytics/profiles';
import { refreshMetricsCache } from '../analytics/realtimeMetrics';
import { initializeTaxonomy } from '../analytics/taxonomy';
import type { StoreEvent } from '../store/events';
import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { DEMO_AB_TEST, generateDemoHistory, type DemoHistory, type DemoOptions } from './demoHistory';

/** The store already holds data: the demo writes only to an empty store, never over anyone's runs. */
export class DemoStoreNotEmptyError extends Error {}

export interface DemoSeedReport {
  sessions: number;
  invocations: number;
  teammates: number;
  ab_test: { test_id: number; test_name: string; users: number; outcomes: number };
  open_anomalies: number;
  dependencies: number;
  predictor: { samples: number; accuracy: number } | { not_trained: string };
}

export interface DemoSeedOptions extends DemoOptions {
  onProgress?: (step: string) => void;
}

/** Sessions per commit: a few hundred rows per log append. */
const SESSIONS_PER_COMMIT = 25;
const DAY_MS = 86_400_000;

export async function seedDemoStore(store: Store, options: DemoSeedOptions): Promise<DemoSeedReport> {
  refuseNonEmpty(store);
  const now = options.now ?? new Date();
  const progress = options.onProgress ?? (() => undefined);
  const history = generateDemoHistory({ ...options, now });

  progress(`writing ${history.sessions.length} sessions`);
  const invocations = await writeSessions(store, history);
  progress(`importing ${history.profiles.length} teammates' profiles`);
  await importValidProfiles(store, history.profiles);
  await initializeTaxonomy(store);
  progress('starting the A/B test and recording its participants');
  const abTest = await seedAbTest(store, history, now);
  progress('computing metrics, anomalies, dependencies and the predictor');
  await refreshMetricsCache(store, { now });
  const anomalies = await detectAnomalies(store, { now });
  const dependencies = await updateSkillDependencies(store, {});
  return {
    sessions: history.sessions.length,
    invocations,
    teammates: history.profiles.length,
    ab_test: abTest,
    open_anomalies: anomalies.length,
    dependencies: dependencies.dependencies_created,
    predictor: await trainIfPossible(store, now),
  };
}

function refuseNonEmpty(store: Store): void {
  const sessions = one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_sessions')?.n ?? 0;
  const runs = one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_invocation')?.n ?? 0;
  if (sessions > 0 || runs > 0) {
    throw new DemoStoreNotEmptyError(`${store.paths.db} already holds ${runs} runs in ${sessions} sessions; the demo history is written only to an empty store`);
  }
}

async function writeSessions(store: Store, history: DemoHistory): Promise<number> {
  let written = 0;
  for (let i = 0; i < history.sessions.length; i += SESSIONS_PER_COMMIT) {
    const events: StoreEvent[] = [];
    for (const demo of history.sessions.slice(i, i + SESSIONS_PER_COMMIT)) {
      events.push({ t: 'session_start', session: demo.session });
      for (const row of demo.invocations) events.push({ t: 'invocation', row: { id: await store.nextId(), ...row }, user_id: demo.session.user_id });
      events.push({ t: 'session_end', session_id: demo.session.session_id, ended_at: demo.ended_at });
      written += demo.invocations.length;
    }
    await store.commit(events);
  }
  return written;
}

async function seedAbTest(store: Store, history: DemoHistory, now: Date): Promise<DemoSeedReport['ab_test']> {
  const test = await createAbTest(store, {
    test_name: DEMO_AB_TEST.test_name,
    description: DEMO_AB_TEST.description,
    control_strategy: DEMO_AB_TEST.control_strategy,
    treatment_strategy: DEMO_AB_TEST.treatment_strategy,
    start_date: new Date(now.getTime() - DEMO_AB_TEST.startedDaysAgo * DAY_MS),
    end_date: new Date(now.getTime() + DEMO_AB_TEST.endsInDays * DAY_MS),
    min_sample_size: DEMO_AB_TEST.min_sample_size,
  }, { now, testId: DEMO_AB_TEST.test_id });
  let outcomes = 0;
  for (const participant of history.abParticipants) {
    const group = await assignUser(store, test.test_id, participant.user_id);
    for (const o of participant.outcomes) {
      await recordAbOutcome(store, test.test_id, participant.user_id, { skill_name: o.skill_name, completed: o.draw < DEMO_AB_TEST.success[group], duration_seconds: o.duration_seconds });
      outcomes++;
    }
  }
  return { test_id: test.test_id, test_name: test.test_name, users: history.abParticipants.length, outcomes };
}

async function trainIfPossible(store: Store, now: Date): Promise<DemoSeedReport['predictor']> {
  try {
    const trained = await trainPredictor(store, { now });
    return { samples: trained.samples, accuracy: trained.accuracy };
  } catch (err) {
    if (err instanceof PredictorRefusal) return { not_trained: err.message };
    throw err;
  }
}
