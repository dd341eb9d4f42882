/** Failures newer than this still count as "recent", and a recommendation's outcome is awaited this long. */
export const RECENT_MS = 30 * 60_000;

/** A skill chosen from the Recommendations list: where it was, what was shown beside it, its A/B test. */
export interface ListChoice {
  /** 1-based place in the list as shown. */
  rank: number;
  /** The skills the list showed, in order. */
  alternatives: string[];
  /** The running A/B test whose strategy made the list, if any. */
  testId?: number;
}

/**
 * What one window remembers of its runs for recommendations: the last skill, the skills that
 * failed recently and have not completed since, and the skills chosen from the list whose run is
 * awaited (the next run of that skill within half an hour is the run chosen: it is recorded with
 * its rank and the list, and is the outcome for an A/B test).
 */
export class RunContext {
  private last: string | undefined;
  private readonly failures = new Map<string, number>();
  private readonly awaited = new Map<string, ListChoice & { at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get lastSkill(): string | undefined {
    return this.last;
  }

  /** Newest first. */
  get recentFailures(): string[] {
    const since = this.now() - RECENT_MS;
    return [...this.failures].filter(([, at]) => at >= since).sort((a, b) => b[1] - a[1]).map(([skill]) => skill);
  }

  /** The next run of `skill` is the one chosen from the list. */
  awaitChoice(skill: string, choice: ListChoice): void {
    this.awaited.set(skill, { ...choice, at: this.now() });
  }

  /** For a run of `skill` being recorded: the choice it fulfils, if one was made in the last half hour. */
  takeChoice(skill: string): ListChoice | undefined {
    const awaited = this.awaited.get(skill);
    if (!awaited) return undefined;
    this.awaited.delete(skill);
    if (this.now() - awaited.at > RECENT_MS) return undefined;
    const { at: _at, ...choice } = awaited;
    return choice;
  }

  /** Notes a finished run. */
  noteOutcome(skill: string, completed: boolean): void {
    this.last = skill;
    if (completed) this.failures.delete(skill);
    else this.failures.set(skill, this.now());
  }

  /** Forgets everything (after all data was deleted). */
  reset(): void {
    this.last = undefined;
    this.failures.clear();
    this.awaited.clear();
  }
}
