/**
 * Keeps the regression history (skillChanges.ts) current as runs arrive, without refitting a long
 * history: the full fit of a skill happens once, in the analytics worker (the `changes` job hands
 * its fitted detectors over, `adopt`), and each later run is appended to its detectors at
 * O(candidates) on the thread that holds the store (`update`, every minute in the window holding the
 * job lease). The runs-per-day series is fitted afresh, but only when a day has ended.
 *
 * A skill goes back to a full fit (it leaves the tracker and `stale()` names it) when its stored
 * runs are no longer its runs so far plus new ones (retention, deletion, a run recorded late with
 * an earlier time), or when it has doubled since its fit, so that the penalty's log n stays that
 * of its length. The history is stored when a change point appears, moves or closes, and at most
 * hourly otherwise (the levels of the open segments move with every run).
 *
 * The runs and detectors of a skill (some 150 bytes a run) wait on a ColumnShelf in files between
 * updates; memory holds only what tells whether a skill has new runs, so a skill is read back only
 * when it has, or once a day for its runs per day. The worker that fits them writes them there
 * itself, one skill at a time, so no thread ever holds them all.
 */
import type { Store } from '../store/storeInterface';
import { one } from '../store/statements';
import { hoursAgo } from '../time';
import { ChangePointDetector } from './changePoints';
import {
  durationPoint,
  failurePoint,
  historyEvents,
  knownRegressions,
  newRegressions,
  perRunHistory,
  readSkillRuns,
  runsPerDayHistory,
  storedSkillChanges,
  type PerRunDetectors,
  type SkillChange,
  type SkillHistoryState,
  type SkillSegment,
} from './skillChanges';
import { lastInvokedAtOf, SkillRuns, type SkillRun } from './skillRuns';
import { shelveValue, type ColumnShelf, type ShelvedEntry } from './columnShelf';

/** Stored levels of open segments are refreshed this often when no change point moved. */
const REWRITE_HOURS = 1;

interface Tracked {
  /** How many runs the shelved state holds, and the newest one's time: what finds new runs. */
  length: number;
  lastInvokedAt: string;
  /** The runs-per-day segments, and the UTC day they were fitted on. */
  daily: SkillSegment[];
  dailyOn: string;
  /** What the stored history's change points are, and when it was stored. */
  stored: string;
  storedAt: string;
}

/** A skill's runs and per-run detectors, as they wait on the shelf. */
export type ShelvedHistory = Omit<SkillHistoryState, 'skill'>;

/** A fully fitted skill history, shelved by the thread or process that fitted it (the analytics worker), for the tracker to take. */
export interface FittedHistory {
  skill: string;
  runs: number;
  lastInvokedAt: string;
  entry: ShelvedEntry;
}

/** Writes a fitted state into `folder` (a name under the tracker's `writerPrefix()`); throws when it could not be written. */
export function shelveFittedHistory(folder: string, { skill, ...state }: SkillHistoryState): FittedHistory {
  return { skill, runs: state.runs.ids.length, lastInvokedAt: lastInvokedAtOf(state.runs), entry: shelveValue(folder, state) };
}

export class SkillChangeTracker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly refit = new Set<string>();

  constructor(private readonly shelf: ColumnShelf<ShelvedHistory>) {}

  /** Where the full refresh shelves the states it fits (see shelveFittedHistory). */
  writerPrefix(): string {
    return this.shelf.writerPrefix();
  }

  /** Carries on from the states a full refresh fitted (replacing what was tracked for those skills). */
  adopt(fitted: readonly FittedHistory[]): void {
    for (const { skill, runs, lastInvokedAt, entry } of fitted) {
      this.refit.delete(skill);
      this.shelf.take(skill, entry);
      this.tracked.set(skill, { length: runs, lastInvokedAt, daily: [], dailyOn: '', stored: '', storedAt: '' });
    }
  }

  /** Skills tracked. */
  get skills(): string[] {
    return [...this.tracked.keys()];
  }

  /** Skills that need a full fit again. */
  stale(): string[] {
    return [...this.refit];
  }

  /**
   * Appends each tracked skill's new runs and stores what changed; returns the open regressions found.
   * Yields between the skills it reads back, so that requests to the process holding the store
   * wait for one skill's update at most, not for all of them.
   */
  async update(store: Pick<Store, 'db' | 'commit'>, now: Date = new Date()): Promise<SkillChange[]> {
    const found: SkillChange[] = [];
    for (const [skill, tracked] of this.tracked) {
      const history = this.advance(store, skill, tracked, now);
      if (!history) continue;
      await new Promise((resolve) => setImmediate(resolve));
      const signature = signatureOf(history);
      if (signature === tracked.stored && tracked.storedAt >= hoursAgo(REWRITE_HOURS, now)) continue;
      const known = knownRegressions(store, skill);
      await store.commit(historyEvents(skill, history));
      tracked.stored = signature;
      tracked.storedAt = now.toISOString();
      for (const r of newRegressions(history, known, now)) found.push(r);
    }
    return found;
  }

  /** The skill's history with its new runs, or undefined when nothing is new (or it left for a full fit). */
  private advance(store: Pick<Store, 'db'>, skill: string, tracked: Tracked, now: Date): SkillSegment[] | undefined {
    const fresh = readSkillRuns(store, skill, tracked.lastInvokedAt);
    const total = one<{ n: number }>(store.db, 'SELECT COUNT(*) AS n FROM skill_invocation WHERE skill_name = ?', [skill])?.n ?? 0;
    if (total !== tracked.length + fresh.length) return this.drop(skill);
    if (tracked.storedAt === '') loadStored(store, skill, tracked);
    const today = now.toISOString().slice(0, 10);
    if (fresh.length === 0 && tracked.dailyOn === today) return undefined;
    const shelved = this.shelf.get(skill);
    if (!shelved) return this.drop(skill);
    const runs = SkillRuns.restore(shelved.runs);
    const detectors: PerRunDetectors = { duration: restore(shelved.duration), failure_rate: restore(shelved.failure_rate) };
    let complete = true;
    for (const run of fresh) complete = append(runs, detectors, run) && complete;
    if (!complete || grownTwice(detectors)) this.refit.add(skill);
    if (fresh.length > 0 && !this.shelf.append(skill, { runs: runs.state(), duration: detectors.duration?.state() ?? null, failure_rate: detectors.failure_rate?.state() ?? null })) this.drop(skill);
    tracked.length = runs.length;
    tracked.lastInvokedAt = runs.lastInvokedAt;
    if (tracked.dailyOn !== today) {
      tracked.daily = runsPerDayHistory(store, skill, runs, now);
      tracked.dailyOn = today;
    }
    return [...perRunHistory(skill, runs, detectors, now), ...tracked.daily];
  }

  private drop(skill: string): undefined {
    this.tracked.delete(skill);
    this.shelf.delete(skill);
    this.refit.add(skill);
    return undefined;
  }
}

/** What is stored for the skill now, so that a history the full refresh has just written is not written again. */
function loadStored(store: Pick<Store, 'db'>, skill: string, tracked: Tracked): void {
  const stored = storedSkillChanges(store, skill);
  tracked.stored = signatureOf(stored);
  tracked.storedAt = stored.reduce((oldest, s) => (s.computed_at < oldest ? s.computed_at : oldest), stored[0]?.computed_at ?? '');
}

function restore(state: SkillHistoryState['duration']): ChangePointDetector | null {
  return state ? ChangePointDetector.restore(state) : null;
}

/** Adds a run's points to the per-run series; false when a series has no detector yet (the first duration: a full fit). */
function append(runs: SkillRuns, detectors: PerRunDetectors, run: SkillRun): boolean {
  runs.push(run);
  const { duration, failure_rate } = detectors;
  failure_rate?.append([failurePoint(run.completed)]);
  const point = durationPoint(run.completed, run.duration_seconds);
  if (point === null) return failure_rate !== null;
  duration?.append([point]);
  return duration !== null && failure_rate !== null;
}

function grownTwice(detectors: PerRunDetectors): boolean {
  return [detectors.duration, detectors.failure_rate].some((d) => d !== null && d.length >= 2 * d.fittedLength);
}

/** Where the change points are and which segments are open or regressions: what makes a new history worth storing at once. */
function signatureOf(history: readonly SkillSegment[]): string {
  return history.map((s) => `${s.metric}:${s.segment}:${s.started_at}:${s.open ? 1 : 0}:${s.regression ? 1 : 0}`).join('|');
}
