/**
 * The simple predictors an online next-skill evaluation puts beside the model, each fed the same
 * runs in the same order (each user's runs as one sequence; sessions and outcomes ignored):
 *
 * - everyone's most frequent skills;
 * - the user's most frequent skills;
 * - the user's first-order Markov chain: the skills that most often followed the user's last one;
 * - the fixed mix of issue 17's table: the user's Markov chains of orders 0–3, each row's shares
 *   weighted 1, 2, 4, 8, plus the user's recency-weighted frequency (×0.9 per run) at weight 1.
 *
 * Counts rank ties in the order the skills were first seen; the fixed mix ranks ties by name. A
 * list shorter than k is filled from the user's most frequent, then everyone's.
 */
import { ContextTrie } from './contextTrie';
import { CountRow } from './countRow';
import { RecencyCounts } from './recencyCounts';
import { SkillVocabulary } from './skillVocabulary';

export interface NextSkillBaseline {
  readonly name: string;
  top(user: string, k: number): string[];
}

const MAX_SKILLS = 100_000;
const FIXED_MIX_ORDERS = 3;
/** ×0.9 per run, as a half-life in runs. */
const FIXED_MIX_HALF_LIFE = 1 / Math.log2(1 / 0.9);

interface UserCounts {
  general: CountRow;
  last: number | undefined;
  after: Map<number, CountRow>;
}

/** The counts all four baselines read, kept once. */
class SharedCounts {
  readonly vocabulary = new SkillVocabulary(MAX_SKILLS);
  readonly everyone = new CountRow();
  readonly users = new Map<string, UserCounts>();

  user(user: string): UserCounts {
    let counts = this.users.get(user);
    if (!counts) this.users.set(user, (counts = { general: new CountRow(), last: undefined, after: new Map() }));
    return counts;
  }
}

function addTop(out: number[], row: CountRow | undefined, k: number): void {
  for (let rank = 0; row && rank < row.distinct && out.length < k; rank++) if (!out.includes(row.idAt(rank))) out.push(row.idAt(rank));
}

/** The first k distinct ids of the rows, in the rows' order, named. */
function topOf(counts: SharedCounts, rows: readonly (CountRow | undefined)[], k: number, first: number[] = []): string[] {
  const ids = first;
  for (const row of rows) addTop(ids, row, k);
  return ids.map((id) => counts.vocabulary.name(id));
}

/** A baseline that reads ranked rows, most specific first. */
class RowBaseline implements NextSkillBaseline {
  constructor(
    readonly name: string,
    private readonly counts: SharedCounts,
    private readonly rows: (counts: SharedCounts, user: UserCounts | undefined) => (CountRow | undefined)[],
  ) {}

  top(user: string, k: number): string[] {
    return topOf(this.counts, this.rows(this.counts, this.counts.users.get(user)), k);
  }
}

/** The user's orders 0–3 and recency, for the fixed mix. */
class FixedMixUser {
  readonly trie = new ContextTrie(FIXED_MIX_ORDERS, Number.MAX_SAFE_INTEGER);
  readonly recency = new RecencyCounts([FIXED_MIX_HALF_LIFE]);
  readonly recent: number[] = [];
}

class FixedMix implements NextSkillBaseline {
  readonly name = 'fixed mix, orders 0-3 + recency';
  private readonly users = new Map<string, FixedMixUser>();

  constructor(private readonly counts: SharedCounts) {}

  observe(user: string, skill: string): void {
    let state = this.users.get(user);
    if (!state) this.users.set(user, (state = new FixedMixUser()));
    const id = this.counts.vocabulary.intern(skill);
    state.trie.record(state.recent, id);
    state.recency.add(id);
    state.recent.unshift(id);
    if (state.recent.length > FIXED_MIX_ORDERS) state.recent.pop();
  }

  top(user: string, k: number): string[] {
    const state = this.users.get(user);
    const scores = new Map<number, number>();
    if (state) {
      const rows: CountRow[] = [];
      state.trie.findRows(state.recent, rows);
      rows.forEach((row, order) => addShares(scores, row, 2 ** order));
      const general = rows[0];
      for (let rank = 0; general && rank < general.distinct; rank++) {
        const id = general.idAt(rank);
        scores.set(id, (scores.get(id) ?? 0) + state.recency.value(0, id) / state.recency.total(0));
      }
    }
    const ranked: number[] = [];
    for (const id of scores.keys()) ranked.push(id);
    const name = (id: number) => this.counts.vocabulary.name(id);
    ranked.sort((a, b) => (scores.get(b) ?? 0) - (scores.get(a) ?? 0) || (name(a) < name(b) ? -1 : 1));
    return topOf(this.counts, [this.counts.everyone], k, ranked.slice(0, k));
  }
}

function addShares(scores: Map<number, number>, row: CountRow, weight: number): void {
  for (let rank = 0; rank < row.distinct; rank++) scores.set(row.idAt(rank), (scores.get(row.idAt(rank)) ?? 0) + (weight * row.countAt(rank)) / row.total);
}

/** The four baselines, sharing one set of counts; `observe` on the set feeds them all. */
export class NextSkillBaselines {
  private readonly counts = new SharedCounts();
  private readonly fixedMix = new FixedMix(this.counts);
  readonly all: readonly NextSkillBaseline[] = [
    new RowBaseline("everyone's most frequent", this.counts, (counts) => [counts.everyone]),
    new RowBaseline("user's most frequent", this.counts, (counts, user) => [user?.general, counts.everyone]),
    new RowBaseline("user's Markov-1", this.counts, (counts, user) => [user?.last === undefined ? undefined : user.after.get(user.last), user?.general, counts.everyone]),
    this.fixedMix,
  ];

  observe(user: string, skill: string): void {
    const id = this.counts.vocabulary.intern(skill);
    const state = this.counts.user(user);
    if (state.last !== undefined) {
      let row = state.after.get(state.last);
      if (!row) state.after.set(state.last, (row = new CountRow()));
      row.add(id);
    }
    state.general.add(id);
    state.last = id;
    this.counts.everyone.add(id);
    this.fixedMix.observe(user, skill);
  }
}
