import { createHash } from 'node:crypto';
import type { TeamServerArgs, TeamSyncAnswer } from './editorSync';

/** What a caller of `SharedTeamSyncs.run` asks: the server, and how old a sync it may be given instead of a new one. */
export interface SharedSyncRequest extends TeamServerArgs {
  /** A sync of the same server and password started less than this long ago answers instead (0: always a new one). */
  sharedWithinMs: number;
}

interface Started {
  atMs: number;
  answer: Promise<TeamSyncAnswer>;
  settled: boolean;
}

/**
 * The team syncs of every window one store host serves, shared. Each window asks on its own timer,
 * so N windows would push N times in every interval; here a sync that is under way is always joined,
 * and one that started within the window's `sharedWithinMs` (half its interval) is its answer, so a
 * machine pushes at most twice an interval, whatever the number of windows. A failed sync is not
 * kept: the next window's request tries again. Servers are told apart by URL and password (kept only
 * as a hash), so a changed password runs a sync of its own.
 */
export class SharedTeamSyncs {
  private readonly last = new Map<string, Started>();

  constructor(private readonly now: () => number = Date.now) {}

  run(request: SharedSyncRequest, sync: () => Promise<TeamSyncAnswer>): Promise<TeamSyncAnswer> {
    const key = createHash('sha256').update(`${request.url}\u0000${request.password ?? ''}`).digest('hex');
    const now = this.now();
    const previous = this.last.get(key);
    if (previous && (!previous.settled || now - previous.atMs < request.sharedWithinMs)) return previous.answer;
    const started: Started = { atMs: now, answer: sync(), settled: false };
    this.last.set(key, started);
    started.answer.then(
      () => (started.settled = true),
      () => {
        started.settled = true;
        if (this.last.get(key) === started) this.last.delete(key);
      },
    );
    return started.answer;
  }
}
