// npm run bench -- recommendCeiling [--warmup 4000] [--until 5000]
// Where Up next's misses on Schonlau's data are, and how far a top 5 can go: the same replay as
// `npm run bench -- recommend` (bench/schonlau.ts), through the model Up next asks (NextSkillModel,
// observed run by run as the evaluation does), scored at ranks 1, 5 and 10. Each miss of the top 5
// is placed: a command the user never ran before, the model's rank 6-10, 11-20, or lower. Then the
// bound of merging predictors: how often the next command is in the union of the model's top 5,
// the user's 5 most recent distinct commands and the top 5 of the user's first-order Markov chain
// (up to 15 commands). A goal the union of three top 5s does not reach is beyond any reordering of
// what these predictors know.
import { NextSkillModel } from '../src/core/recommend/nextSkillModel';
import { printTable, round, writeResult } from './common';
import { schonlauEvents } from './schonlau';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** What one user has run so far, as the baselines of the union see it. */
class UserPast {
  readonly counts = new Map<string, number>();
  readonly recent: string[] = [];
  runs = 0;
  private readonly after = new Map<string, Map<string, number>>();
  private last = '';

  markovTop(k: number): string[] {
    const row = this.after.get(this.last);
    return row ? [...row].sort((a, b) => b[1] - a[1]).slice(0, k).map(([skill]) => skill) : [];
  }

  add(skill: string): void {
    this.runs++;
    this.counts.set(skill, (this.counts.get(skill) ?? 0) + 1);
    let row = this.after.get(this.last);
    if (!row) this.after.set(this.last, (row = new Map()));
    row.set(skill, (row.get(skill) ?? 0) + 1);
    this.last = skill;
    const at = this.recent.indexOf(skill);
    if (at >= 0) this.recent.splice(at, 1);
    this.recent.unshift(skill);
  }
}

const MISS_BANDS = ['never run before', 'rank 6-10', 'rank 11-20', 'rank > 20 or not a candidate'] as const;

/** Where a miss of the top 5 is (`rank` 0-based, −1: not among the model's top 20). */
function missBand(past: UserPast, skill: string, rank: number): (typeof MISS_BANDS)[number] {
  if (!past.counts.has(skill)) return 'never run before';
  if (rank >= 5 && rank < 10) return 'rank 6-10';
  if (rank >= 10 && rank < 20) return 'rank 11-20';
  return 'rank > 20 or not a candidate';
}

function main(): void {
  const warmup = option('warmup', 4000);
  const until = option('until', 5000);
  const started = performance.now();
  const model = new NextSkillModel();
  const pasts = new Map<string, UserPast>();
  const hits = { at1: 0, at5: 0, at10: 0, union: 0 };
  const misses = new Map<string, number>(MISS_BANDS.map((band) => [band, 0]));
  let asked = 0;
  for (const event of schonlauEvents(until)) {
    let past = pasts.get(event.user);
    if (!past) pasts.set(event.user, (past = new UserPast()));
    if (past.runs >= warmup) {
      asked++;
      const ranked = model.distribution(event.user, { atMs: event.atMs }).top(20).map((item) => item.skill);
      const rank = ranked.indexOf(event.skill);
      if (rank === 0) hits.at1++;
      if (rank >= 0 && rank < 5) hits.at5++;
      if (rank >= 0 && rank < 10) hits.at10++;
      const union = new Set([...ranked.slice(0, 5), ...past.recent.slice(0, 5), ...past.markovTop(5)]);
      if (union.has(event.skill)) hits.union++;
      if (rank < 0 || rank >= 5) {
        const band = missBand(past, event.skill, rank);
        misses.set(band, (misses.get(band) ?? 0) + 1);
      }
    }
    model.observe(event);
    past.add(event.skill);
  }
  const share = (n: number) => round(n / asked, 4);
  const figures = { warmup, until, asked, hit1: share(hits.at1), hit5: share(hits.at5), hit10: share(hits.at10), unionOfThreeTop5: share(hits.union) };
  printTable([
    { measure: 'Up next, hit@1', value: figures.hit1 },
    { measure: 'Up next, hit@5', value: figures.hit5 },
    { measure: 'Up next, hit@10', value: figures.hit10 },
    { measure: 'union of 3 top 5s (up to 15 commands)', value: figures.unionOfThreeTop5 },
  ]);
  console.log('\nmisses of the top 5');
  printTable(MISS_BANDS.map((band) => ({ where: band, misses: misses.get(band) ?? 0, share: share(misses.get(band) ?? 0) })));
  const seconds = round((performance.now() - started) / 1000, 1);
  console.log(`\n${asked} predictions in ${seconds} s`);
  console.log(`written: ${writeResult('recommendCeiling', { ...figures, misses: Object.fromEntries(misses), seconds })}`);
}

main();
