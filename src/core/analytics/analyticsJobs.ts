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
import { shelveFittedHistory, type FittedHistory } from './skillChangeTracker';
import { hourlyAggregates, type SkillBuckets } from './timeSeries';

export type AnalyticsJob =
  | { kind: 'dependencies'; minCoOccurrence?: number }
  | { kind: 'baselines' }
  | { kind: 'predictor'; days?: number }
  /** Every skill's hourly aggregates since `from`: the long part of a time-series backfill (timeSeries.ts). */
  | { kind: 'hourlyAggregates'; from: string }
  /**
   * `refit`: skills SkillChangeTracker hands back for a full fit; `shelf`: its writerPrefix(), where the
   * fitted states go (none: the states are not kept, as for a one-off report).
   */
  | { kind: 'changes'; refit?: string[]; shelf?: string };

/** What a regression-history refresh did: the skills it recomputed, the open regressions it found, the fitted states it shelved. */
export interface ChangesSummary {
  skills: string[];
  found: SkillChange[];
  shelved: FittedHistory[];
  /** Why some states could not be shelved (their skills are then refreshed by full fits only). */
  unshelved?: string;
}

export type AnalyticsJobResult =
  | { kind: 'dependencies'; events: StoreEvent[]; summary: Awaited<ReturnType<typeof updateSkillDependencies>> }
  | { kind: 'baselines'; events: StoreEvent[]; summary: Awaited<ReturnType<typeof updateCommunityBaselines>> }
  | { kind: 'predictor'; events: StoreEvent[]; summary: TrainResult }
  | { kind: 'hourlyAggregates'; events: StoreEvent[]; summary: SkillBuckets[] }
  | { kind: 'changes'; events: StoreEvent[]; summary: ChangesSummary };

/** Runs a job on `replica`, collecting what it would commit instead of committing it. */
export async function computeAnalyticsJob(replica: Pick<Store, 'db' | 'paths'>, job: AnalyticsJob): Promise<AnalyticsJobResult> {
  const events: StoreEvent[] = [];
  const collector = { db: replica.db, paths: replica.paths, commit: async (batch: StoreEvent[]) => void appendAll(events, batch) };
  if (job.kind === 'dependencies') return { kind: job.kind, events, summary: await updateSkillDependencies(collector, { minCoOccurrence: job.minCoOccurrence }) };
  if (job.kind === 'baselines') return { kind: job.kind, events, summary: await updateCommunityBaselines(collector) };
  if (job.kind === 'changes') return fitChanges(replica, job);
  if (job.kind === 'hourlyAggregates') return { kind: job.kind, events, summary: hourlyAggregates(replica, job.from) };
  return { kind: job.kind, events, summary: await trainPredictor(collector, { days: job.days }) };
}

/** The regression history's full refresh: the rows to store, and each fitted state shelved as soon as it is fitted. */
export function fitChanges(replica: Pick<Store, 'db'>, job: Extract<AnalyticsJob, { kind: 'changes' }>): Extract<AnalyticsJobResult, { kind: 'changes' }> {
  const shelved: FittedHistory[] = [];
  let unshelved: string | undefined;
  const shelf = job.shelf;
  const onState = (state: SkillHistoryState) => {
    try {
      shelved.push(shelveFittedHistory(`${shelf}${shelved.length}`, state));
    } catch (err) {
      unshelved ??= (err as Error).message;
    }
  };
  const refreshed = recomputeSkillChanges(replica, { refit: job.refit, onState: shelf === undefined ? undefined : onState });
  return { kind: job.kind, events: refreshed.events, summary: { skills: refreshed.skills, found: refreshed.found, shelved, ...(unshelved ? { unshelved } : {}) } };
}
