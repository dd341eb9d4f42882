/**
 * The background analytics that take long on a large store, as jobs a worker thread can run on its
 * own read-only replica: a job computes from the replica and returns the events to commit (the
 * predictor writes its model file itself), so the editor's thread only commits a few hundred rows.
 * The regression history (skillChanges.ts) fits the skills whose stored history is out of date and
 * hands the fitted detectors back, so that the window appends later runs (skillChangeTracker.ts).
 */
import type { StoreEvent } from '../store/events';
import type { Store } from '../store/storeInterface';
import { updateCommunityBaselines } from './baselines';
import { updateSkillDependencies } from './dependencies';
import { trainPredictor, type TrainResult } from './predictor';
import { appendAll } from '../collections';
import { recomputeSkillChanges, type SkillChange, type SkillHistoryState } from './skillChanges';

export type AnalyticsJob =
  | { kind: 'dependencies'; minCoOccurrence?: number }
  | { kind: 'baselines' }
  | { kind: 'predictor'; days?: number }
  /** `refit`: skills SkillChangeTracker hands back for a full fit. */
  | { kind: 'changes'; refit?: string[] };

/** What a regression-history refresh did: the skills it recomputed, the open regressions it found, the fitted states. */
export interface ChangesSummary {
  skills: string[];
  found: SkillChange[];
  states: SkillHistoryState[];
}

export type AnalyticsJobResult =
  | { kind: 'dependencies'; events: StoreEvent[]; summary: Awaited<ReturnType<typeof updateSkillDependencies>> }
  | { kind: 'baselines'; events: StoreEvent[]; summary: Awaited<ReturnType<typeof updateCommunityBaselines>> }
  | { kind: 'predictor'; events: StoreEvent[]; summary: TrainResult }
  | { kind: 'changes'; events: StoreEvent[]; summary: ChangesSummary };

/** Runs a job on `replica`, collecting what it would commit instead of committing it. */
export async function computeAnalyticsJob(replica: Pick<Store, 'db' | 'paths'>, job: AnalyticsJob): Promise<AnalyticsJobResult> {
  const events: StoreEvent[] = [];
  const collector = { db: replica.db, paths: replica.paths, commit: async (batch: StoreEvent[]) => void appendAll(events, batch) };
  if (job.kind === 'dependencies') return { kind: job.kind, events, summary: await updateSkillDependencies(collector, { minCoOccurrence: job.minCoOccurrence }) };
  if (job.kind === 'baselines') return { kind: job.kind, events, summary: await updateCommunityBaselines(collector) };
  if (job.kind === 'changes') {
    const refreshed = recomputeSkillChanges(replica, { refit: job.refit });
    return { kind: job.kind, events: refreshed.events, summary: { skills: refreshed.skills, found: refreshed.found, states: refreshed.states } };
  }
  return { kind: job.kind, events, summary: await trainPredictor(collector, { days: job.days }) };
}
