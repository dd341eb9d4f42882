/** Failures newer than this still count as "recent", and a recommendation's outcome is awaited this long. */
export const RECENT_MS = 30 * 60_000;

/**
 * What one window remembers of its runs for recommendations: the last skill, the skills that
 * failed recently and have not completed since, and the recommendations run under an A/B test whose
 * outcome is awaited (the next run of that skill within half an hour is the outcome).
 */
export class RunContext {
  private last: string | undefined;
  private readonly failures = new Map<string, number>();
  private readonly awaited = new Map<string, { testId: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get lastSkill(): string | undefined {
    return this.last;
  }

  /** Newest first. */
  get recentFailures(): string[] {
    const since = this.now() - RECENT_MS;
    return [...this.failures].filter(([, at]) => at >= since).sort((a, b) => b[1] - a[1]).map(([skill]) => skill);
  }

  /** The next run of `skill` is the outcome of a recommendation run under this A/B test. */
  awaitAbOutcome(skill: string, testId: number): void {
    this.awaited.set(skill, { testId, at: this.now() });
  }

  /** Notes a finished run; returns the A/B test it is the outcome of, if one was waiting for it. */
  noteOutcome(skill: string, completed: boolean): number | undefined {
    this.last = skill;
    if (completed) this.failures.delete(skill);
    else this.failures.set(skill, this.now());
    const awaited = this.awaited.get(skill);
    if (!awaited) return undefined;
    this.awaited.delete(skill);
    return this.now() - awaited.at <= RECENT_MS ? awaited.testId : undefined;
  }

  /** Forgets everything (after all data was deleted). */
  reset(): void {
    this.last = undefined;
    this.failures.clear();
    this.awaited.clear();
  }
}
