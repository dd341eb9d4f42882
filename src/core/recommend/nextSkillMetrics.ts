/**
 * Scores of an online next-skill evaluation, as the command-prediction literature reports them:
 *
 * - hit@1 and hit@k: the next run is the first item / among the first k;
 * - MRR: the mean of 1/rank of the next run within the first k (0 when it is not among them);
 * - micro: over all predictions (heavy users weigh more); macro: the mean of each user's figure
 *   (every user counts the same); a large gap means the model serves some users only;
 * - for a model with probabilities: ECE of the top-1 probability (10 equal-width bins, |accuracy −
 *   mean probability| weighted by the bin's share; Naeini et al. 2015), log loss (mean −ln p of the
 *   actual run, floored at LOG_LOSS_FLOOR so one impossible run cannot make it infinite) and the
 *   Brier score of the top-1 probability.
 */

export const ECE_BINS = 10;
export const LOG_LOSS_FLOOR = 1e-12;

export interface ScoredPrediction {
  user: string;
  /** The ranked list shown, best first. */
  top: readonly string[];
  actual: string;
  /** The probability of each item of `top`, when the model gives probabilities. */
  probabilities?: readonly number[];
  /** The probability the model gave the actual run (needed for log loss). */
  actualProbability?: number;
}

export interface RankingFigures {
  hit1: number;
  hitK: number;
  mrr: number;
}

export interface NextSkillFigures {
  predictions: number;
  users: number;
  k: number;
  micro: RankingFigures;
  macro: RankingFigures;
  /** Present when every prediction had probabilities. */
  calibration?: { ece: number; logLoss: number; brier: number; bins: CalibrationBin[] };
}

export interface CalibrationBin {
  from: number;
  to: number;
  predictions: number;
  meanProbability: number;
  accuracy: number;
}

interface Tally {
  n: number;
  hit1: number;
  hitK: number;
  reciprocal: number;
}

export class NextSkillScore {
  private readonly total: Tally = { n: 0, hit1: 0, hitK: 0, reciprocal: 0 };
  private readonly perUser = new Map<string, Tally>();
  private readonly bins = Array.from({ length: ECE_BINS }, () => ({ n: 0, probability: 0, hits: 0 }));
  private logLoss = 0;
  private brier = 0;
  private withProbabilities = 0;

  constructor(readonly k: number) {}

  add(prediction: ScoredPrediction): void {
    const rank = prediction.top.slice(0, this.k).indexOf(prediction.actual);
    let user = this.perUser.get(prediction.user);
    if (!user) this.perUser.set(prediction.user, (user = { n: 0, hit1: 0, hitK: 0, reciprocal: 0 }));
    for (const tally of [this.total, user]) {
      tally.n++;
      if (rank === 0) tally.hit1++;
      if (rank >= 0) {
        tally.hitK++;
        tally.reciprocal += 1 / (rank + 1);
      }
    }
    if (prediction.probabilities !== undefined && prediction.actualProbability !== undefined) this.addProbabilities(prediction.probabilities[0] ?? 0, rank === 0, prediction.actualProbability);
  }

  summary(): NextSkillFigures {
    const figures: NextSkillFigures = { predictions: this.total.n, users: this.perUser.size, k: this.k, micro: ratios(this.total), macro: this.macro() };
    if (this.total.n > 0 && this.withProbabilities === this.total.n) figures.calibration = this.calibration();
    return figures;
  }

  private addProbabilities(top: number, hit: boolean, actual: number): void {
    const bin = this.bins[Math.min(ECE_BINS - 1, Math.max(0, Math.floor(top * ECE_BINS)))];
    bin.n++;
    bin.probability += top;
    if (hit) bin.hits++;
    this.logLoss -= Math.log(Math.max(LOG_LOSS_FLOOR, actual));
    this.brier += (top - (hit ? 1 : 0)) ** 2;
    this.withProbabilities++;
  }

  private macro(): RankingFigures {
    const sum: RankingFigures = { hit1: 0, hitK: 0, mrr: 0 };
    for (const tally of this.perUser.values()) {
      const r = ratios(tally);
      sum.hit1 += r.hit1;
      sum.hitK += r.hitK;
      sum.mrr += r.mrr;
    }
    const users = Math.max(1, this.perUser.size);
    return { hit1: sum.hit1 / users, hitK: sum.hitK / users, mrr: sum.mrr / users };
  }

  private calibration(): NonNullable<NextSkillFigures['calibration']> {
    const n = this.total.n;
    let ece = 0;
    const bins: CalibrationBin[] = this.bins.map((bin, i) => {
      if (bin.n > 0) ece += (bin.n / n) * Math.abs(bin.hits / bin.n - bin.probability / bin.n);
      return { from: i / ECE_BINS, to: (i + 1) / ECE_BINS, predictions: bin.n, meanProbability: bin.n ? bin.probability / bin.n : 0, accuracy: bin.n ? bin.hits / bin.n : 0 };
    });
    return { ece, logLoss: this.logLoss / n, brier: this.brier / n, bins };
  }
}

function ratios(tally: Tally): RankingFigures {
  const n = Math.max(1, tally.n);
  return { hit1: tally.hit1 / n, hitK: tally.hitK / n, mrr: tally.reciprocal / n };
}
