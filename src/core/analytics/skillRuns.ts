/**
 * A skill's runs in time order, as columns: what its regression history is read from
 * (skillChanges.ts) and what the tracker keeps of every skill for as long as the store is open
 * (skillChangeTracker.ts). As objects, a run cost some 120 bytes (its timestamp a string of its
 * own); as columns it costs 25, so a million runs are 25 MB.
 *
 * A timestamp is kept as its milliseconds when the canonical form (toISOString) gives the stored
 * text back exactly; any other text (a store written by another tool) is kept as it is, so reading
 * a run back always gives what the store holds.
 */
import type { Timestamp } from '../time';
import { NumberColumn } from './numberColumn';

export interface SkillRun {
  id: number;
  invoked_at: Timestamp;
  completed: number;
  duration_seconds: number | null;
}

/** The columns as plain data (structured-cloneable), to carry across threads. */
export interface SkillRunsState {
  ids: Float64Array;
  /** Milliseconds since the epoch (NaN where `texts` holds the timestamp). */
  times: Float64Array;
  completed: Uint8Array;
  /** Seconds (NaN: none). */
  durations: Float64Array;
  /** Timestamps whose text is not the canonical form of their time, by run index. */
  texts: [number, string][];
}

export class SkillRuns {
  private constructor(
    private readonly ids: NumberColumn<Float64Array>,
    private readonly times: NumberColumn<Float64Array>,
    private readonly completions: NumberColumn<Uint8Array>,
    private readonly durations: NumberColumn<Float64Array>,
    private readonly texts: Map<number, string>,
  ) {}

  static of(runs: readonly SkillRun[]): SkillRuns {
    const columns = SkillRuns.restore({ ids: new Float64Array(), times: new Float64Array(), completed: new Uint8Array(), durations: new Float64Array(), texts: [] });
    for (const run of runs) columns.push(run);
    return columns;
  }

  static restore(state: SkillRunsState): SkillRuns {
    return new SkillRuns(
      new NumberColumn(Float64Array, state.ids),
      new NumberColumn(Float64Array, state.times),
      new NumberColumn(Uint8Array, state.completed),
      new NumberColumn(Float64Array, state.durations),
      new Map(state.texts),
    );
  }

  state(): SkillRunsState {
    return { ids: this.ids.values(), times: this.times.values(), completed: this.completions.values(), durations: this.durations.values(), texts: [...this.texts] };
  }

  get length(): number {
    return this.ids.length;
  }

  push(run: SkillRun): void {
    const time = Date.parse(run.invoked_at);
    const canonical = Number.isFinite(time) && new Date(time).toISOString() === run.invoked_at;
    if (!canonical) this.texts.set(this.length, run.invoked_at);
    this.ids.push(run.id);
    this.times.push(canonical ? time : Number.NaN);
    this.completions.push(run.completed);
    this.durations.push(run.duration_seconds ?? Number.NaN);
  }

  id(index: number): number {
    return this.ids.at(index);
  }

  invokedAt(index: number): Timestamp {
    return this.texts.get(index) ?? new Date(this.times.at(index)).toISOString();
  }

  completed(index: number): number {
    return this.completions.at(index);
  }

  duration(index: number): number | null {
    const seconds = this.durations.at(index);
    return Number.isNaN(seconds) ? null : seconds;
  }

  run(index: number): SkillRun {
    return { id: this.id(index), invoked_at: this.invokedAt(index), completed: this.completed(index), duration_seconds: this.duration(index) };
  }

  /** The newest run's timestamp ('' without runs). */
  get lastInvokedAt(): Timestamp {
    return this.length ? this.invokedAt(this.length - 1) : '';
  }
}

/** The newest run's timestamp in a state ('' without runs), without restoring its columns. */
export function lastInvokedAtOf(state: SkillRunsState): Timestamp {
  const last = state.ids.length - 1;
  if (last < 0) return '';
  return state.texts.find(([index]) => index === last)?.[1] ?? new Date(state.times[last]).toISOString();
}
