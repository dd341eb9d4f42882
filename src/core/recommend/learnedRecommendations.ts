/**
 * The two learned parts of the Recommendations view, fed from a store: "Up next" (NextSkillModel:
 * what this user runs next) and "Discover" (DiscoveryModel: what users like them run that they have
 * not tried). The models learn online from every run the store applies, in the order the store
 * applies them; at start they catch up on the newest stored runs, a slice at a time so that no
 * caller waits long. The editor's sidebar, the agent tool and `session-buddy evaluate` all ask
 * through this one object, so the figures the evaluation prints are the sidebar's.
 *
 * An agent's runs are learned as those of a user of their own (`<user> (agent)`): what an agent
 * does after a test run says nothing about what its developer does next.
 */
import type { InvocationRow, StoreEvent } from '../store/events';
import { all, one } from '../store/statements';
import type { Disposable, Store } from '../store/storeInterface';
import { DiscoveryModel, type DiscoveredSkill } from './discoveryModel';
import { NextSkillModel } from './nextSkillModel';
import type { NextSkillPrediction, NextSkillQuery, SkillRunEvent } from './nextSkillTypes';

/** How many of the newest stored runs the models learn from at start (older evidence has decayed anyway). */
export const CATCH_UP_RUNS = 50_000;
/** The window of the user's own runs over which "how often Up next was right" is told. */
export const ACCURACY_WINDOW = 500;
const PAGE = 500;
/**
 * The longest the catch-up learns before it lets the process answer others: half the 5 ms a read
 * may take (p99) in the store host, which learns while it answers the windows.
 */
const SLICE_MS = 2.5;

export interface UpNextAccuracy {
  /** Runs of the user scored (at most ACCURACY_WINDOW, the newest). */
  runs: number;
  /** Share of them that were Up next's first item, and among its first three. */
  top1: number;
  top3: number;
}

interface StoredRun {
  id: number;
  skill_name: string;
  invoked_at: string;
  session_id: string;
  completed: number;
  duration_seconds: number | null;
  source: string | null;
  user_id: string | null;
}

/** The user a run is learned for: its session's user, and an agent's runs apart from their developer's. */
export function learnerOf(userId: string | null, source: string | null | undefined): string {
  const user = userId ?? 'unknown';
  return source === 'agent' ? `${user} (agent)` : user;
}

type RunFields = Pick<InvocationRow, 'skill_name' | 'invoked_at' | 'session_id' | 'duration_seconds'> & { completed: number };

function runEvent(run: RunFields, user: string): SkillRunEvent {
  return {
    user,
    skill: run.skill_name,
    atMs: Date.parse(run.invoked_at),
    completed: run.completed === 1,
    durationSeconds: run.duration_seconds ?? undefined,
    session: run.session_id,
  };
}

export class LearnedRecommendations implements Disposable {
  private next = new NextSkillModel();
  private discovery = new DiscoveryModel();
  /** The watched user's newest outcomes: 0 missed, 1 in the top three, 2 first. */
  private readonly outcomes: number[] = [];
  private readonly listening: Disposable;
  private rebuilding: Promise<void> | undefined;
  private ready: Promise<void> = Promise.resolve();

  /** `watchedUser`: whose runs "how often Up next was right" counts (the editor's own user). */
  constructor(private readonly store: Store, private watchedUser?: string) {
    this.listening = store.onDidApply((events) => this.learnFrom(events));
  }

  /** Counts "how often Up next was right" for `user` from now on, and from what the next catch-up replays. */
  watch(user: string): void {
    if (user === this.watchedUser) return;
    this.watchedUser = user;
    this.outcomes.length = 0;
  }

  /** Learns the newest stored runs, a page at a time, yielding between pages; resolves when done. */
  catchUp(options: { runs?: number } = {}): Promise<void> {
    this.ready = this.rebuild(options.runs ?? CATCH_UP_RUNS);
    return this.ready;
  }

  /** Resolves once the models have learned what was stored when they were (re)built. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Up next for `user`: the k most probable next skills, each with its probability and reason. */
  upNext(user: string, query: NextSkillQuery, k: number): NextSkillPrediction {
    return this.next.predict(user, query, k);
  }

  /** The probability Up next gives `skill` being the user's next run (the evaluation's log loss). */
  probabilityOf(user: string, query: NextSkillQuery, skill: string): number {
    return this.next.distribution(user, query).probability(skill);
  }

  /** Skills users like `user` run that `user` has not tried, most probable first. */
  discover(user: string, k: number): DiscoveredSkill[] {
    return this.discovery.recommend(user, k);
  }

  /** How often Up next was right on the watched user's newest runs, as it ran (each asked before the run). */
  accuracy(): UpNextAccuracy {
    const runs = this.outcomes.length;
    const count = (least: number) => this.outcomes.filter((o) => o >= least).length;
    return { runs, top1: runs ? count(2) / runs : 0, top3: runs ? count(1) / runs : 0 };
  }

  dispose(): void {
    this.listening.dispose();
  }

  private learnFrom(events: readonly StoreEvent[]): void {
    if (events.some((event) => event.t === 'purge')) {
      void this.catchUp();
      return;
    }
    if (this.rebuilding) return;
    for (const event of events) {
      if (event.t !== 'invocation') continue;
      this.learn(runEvent(event.row, learnerOf(event.user_id, event.row.source)));
    }
  }

  private learn(run: SkillRunEvent): void {
    if (run.user === this.watchedUser) this.score(run);
    this.next.observe(run);
    this.discovery.observe(run);
  }

  /** Asks Up next before the run is learned, and keeps the outcome among the watched user's newest. */
  private score(run: SkillRunEvent): void {
    const top = this.next.predict(run.user, { atMs: run.atMs, session: run.session }, 3).items.map((item) => item.skill);
    this.outcomes.push(top[0] === run.skill ? 2 : top.includes(run.skill) ? 1 : 0);
    if (this.outcomes.length > ACCURACY_WINDOW) this.outcomes.shift();
  }

  private async rebuild(runs: number): Promise<void> {
    await this.rebuilding;
    const done = this.replayStored(runs);
    this.rebuilding = done;
    try {
      await done;
    } finally {
      this.rebuilding = undefined;
    }
  }

  /**
   * New models, taught the newest `runs` stored runs in time order. Runs the store applies
   * meanwhile are in the pages read after them, so nothing is learned twice or missed.
   */
  private async replayStored(runs: number): Promise<void> {
    this.next = new NextSkillModel();
    this.discovery = new DiscoveryModel();
    this.outcomes.length = 0;
    let cursor = one<{ invoked_at: string; id: number }>(this.store.db, 'SELECT invoked_at, id FROM skill_invocation ORDER BY invoked_at DESC, id DESC LIMIT 1 OFFSET ?', [runs - 1]);
    let first = true;
    let slice = performance.now();
    for (;;) {
      const page = this.page(cursor, first);
      first = false;
      for (const run of page) {
        this.learn(runEvent(run, learnerOf(run.user_id, run.source)));
        if (performance.now() - slice < SLICE_MS) continue;
        await yieldToOthers();
        slice = performance.now();
      }
      if (page.length < PAGE) return;
      cursor = page[page.length - 1];
    }
  }

  /** The next page of runs after `cursor` (from it, inclusive, on the first page; from the oldest without one). */
  private page(cursor: { invoked_at: string; id: number } | undefined, inclusive: boolean): StoredRun[] {
    const select = `SELECT i.id, i.skill_name, i.invoked_at, i.session_id, i.completed, i.duration_seconds, ${this.sourceColumn()} AS source, s.user_id
      FROM skill_invocation i LEFT JOIN skill_sessions s ON s.session_id = i.session_id`;
    if (!cursor) return all<StoredRun>(this.store.db, `${select} ORDER BY i.invoked_at, i.id LIMIT ?`, [PAGE]);
    return all<StoredRun>(
      this.store.db,
      `${select} WHERE i.invoked_at >= ? AND (i.invoked_at > ? OR i.id ${inclusive ? '>=' : '>'} ?) ORDER BY i.invoked_at, i.id LIMIT ?`,
      [cursor.invoked_at, cursor.invoked_at, cursor.id, PAGE],
    );
  }

  private sourceColumn(): string {
    return one(this.store.db, "SELECT 1 AS x FROM pragma_table_info('skill_invocation') WHERE name = 'source'") ? 'i.source' : 'NULL';
  }
}

function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const perStore = new WeakMap<Store, LearnedRecommendations>();

/**
 * The one LearnedRecommendations of a store in this process, created (and caught up) by the first
 * caller: the sidebar, the agent tools and the API all ask the same learned models. The editor names
 * its user (`watchedUser`) first, so that the catch-up already counts how often Up next was right.
 */
export function learnedFor(store: Store, watchedUser?: string): LearnedRecommendations {
  let learned = perStore.get(store);
  if (!learned) {
    learned = new LearnedRecommendations(store, watchedUser);
    perStore.set(store, learned);
    learned.catchUp().catch(() => undefined);
  } else if (watchedUser !== undefined) {
    learned.watch(watchedUser);
  }
  return learned;
}
