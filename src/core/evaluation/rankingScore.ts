/**
 * How good a ranked "what runs next" list is, scored the way the command-prediction literature
 * scores it (online: each prediction made before the run it is scored on): hit@1 and hit@k, the
 * mean reciprocal rank within the list, and for a model that gives probabilities, how well they are
 * calibrated: the expected calibration error of the top-1 probability (10 equal-width bins, Naeini
 * et al. 2015; Guo et al. 2017), the log loss of the probability given to what actually ran, and
 * the Brier score of the top-1 probability. Micro averages weigh every prediction alike; macro
 * averages weigh every user alike (Durant & Smith 2002), so a gap shows a model serving only heavy users.
 */

/** A floor for the probability of what ran, so that a model that gave it none scores a finite loss. */
export const LOG_LOSS_FLOOR = 1e-9;
export const CALIBRATION_BINS = 10;

export interface ScoredPrediction {
  user: string;
  /** The ranked list, best first. */
  top: readonly string[];
  actual: string;
  /** The probability given to `top[0]` and to `actual` (a model without probabilities gives none). */
  topProbability?: number;
  actualProbability?: number;
}

export interface RankingSummary {
  predictions: number;
  users: number;
  hit_at_1: number;
  hit_at_k: number;
  mrr: number;
  /** The same, averaged per user first. */
  macro: { hit_at_1: number; hit_at_k: number; mrr: number };
  /** Only for a model with probabilities. */
  calibration?: { ece: number; log_loss: number; brier_top1: number; bins: CalibrationBin[] };
}

export interface CalibrationBin {
  from: number;
  to: number;
  predictions: number;
  mean_probability: number;
  hit_rate: number;
}

interface UserTally {
  n: number;
  hit1: number;
  hitK: number;
  rr: number;
}

/** Accumulates predictions one at a time (the evaluation makes hundreds of thousands). */
export class RankingScore {
  private readonly total: UserTally = { n: 0, hit1: 0, hitK: 0, rr: 0 };
  private readonly users = new Map<string, UserTally>();
  private readonly bins = Array.from({ length: CALIBRATION_BINS }, () => ({ n: 0, confidence: 0, hits: 0 }));
  private logLoss = 0;
  private brier = 0;
  private withProbabilities = 0;

  add(prediction: ScoredPrediction): void {
    const rank = prediction.top.indexOf(prediction.actual) + 1;
    const user = this.users.get(prediction.user) ?? { n: 0, hit1: 0, hitK: 0, rr: 0 };
    this.users.set(prediction.user, user);
    for (const tally of [this.total, user]) {
      tally.n++;
      if (rank === 1) tally.hit1++;
      if (rank > 0) {
        tally.hitK++;
        tally.rr += 1 / rank;
      }
    }
    if (prediction.topProbability !== undefined && prediction.actualProbability !== undefined) this.addProbabilities(prediction.topProbability, prediction.actualProbability, rank === 1);
  }

  summary(): RankingSummary {
    const n = this.total.n;
    const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
    const perUser = [...this.users.values()];
    const macro = (pick: (t: UserTally) => number) => ratio(perUser.reduce((sum, t) => sum + ratio(pick(t), t.n), 0), perUser.length);
    const summary: RankingSummary = {
      predictions: n,
      users: perUser.length,
      hit_at_1: ratio(this.total.hit1, n),
      hit_at_k: ratio(this.total.hitK, n),
      mrr: ratio(this.total.rr, n),
      macro: { hit_at_1: macro((t) => t.hit1), hit_at_k: macro((t) => t.hitK), mrr: macro((t) => t.rr) },
    };
    if (this.withProbabilities > 0) summary.calibration = this.calibration();
    return summary;
  }

  private addProbabilities(top: number, actual: number, hit: boolean): void {
    this.withProbabilities++;
    const bin = this.bins[Math.min(CALIBRATION_BINS - 1, Math.floor(top * CALIBRATION_BINS))];
    bin.n++;
    bin.confidence += top;
    if (hit) bin.hits++;
    this.logLoss -= Math.log(Math.max(actual, LOG_LOSS_FLOOR));
    this.brier += (top - (hit ? 1 : 0)) ** 2;
  }

  private calibration(): NonNullable<RankingSummary['calibration']> {
    const n = this.withProbabilities;
    let ece = 0;
    const bins: CalibrationBin[] = [];
    this.bins.forEach((bin, i) => {
      if (bin.n === 0) return;
      const confidence = bin.confidence / bin.n;
      const rate = bin.hits / bin.n;
      ece += (bin.n / n) * Math.abs(rate - confidence);
      bins.push({ from: i / CALIBRATION_BINS, to: (i + 1) / CALIBRATION_BINS, predictions: bin.n, mean_probability: confidence, hit_rate: rate });
    });
    return { ece, log_loss: this.logLoss / n, brier_top1: this.brier / n, bins };
  }
}

/**
 * Recall@k of discovery (Part A.4 of the reference): for each user with skills first run in the
 * scored window, the share of them in the user's top k; averaged over those users. Also the share
 * of those users with at least one hit.
 */
export function discoveryRecall(lists: readonly { top: readonly string[]; firstRuns: readonly string[] }[]): { users: number; recall: number; hit_rate: number } {
  const scored = lists.filter((l) => l.firstRuns.length > 0);
  if (scored.length === 0) return { users: 0, recall: 0, hit_rate: 0 };
  let recall = 0;
  let hits = 0;
  for (const { top, firstRuns } of scored) {
    const found = firstRuns.filter((skill) => top.includes(skill)).length;
    recall += found / firstRuns.length;
    if (found > 0) hits++;
  }
  return { users: scored.length, recall: recall / scored.length, hit_rate: hits / scored.length };
}
