/**
 * The Recommendations list as the sidebar, the agent tools and the API give it, in three labelled
 * parts:
 *
 *   Up next   the next-skill model's most probable next runs of this user, each with its calibrated
 *             probability and the counts behind it in one sentence;
 *   Discover  skills users with a history like this user's run that this user has not tried (the
 *             discovery model's probability that it is the next one tried);
 *   More      what the run history alone cannot say: skills used in the same sessions as the last
 *             one far more often than chance (lift of the dependency network), and what teammates
 *             run. These follow the user's A/B strategy and carry no probability.
 *
 * Both learned parts are asked through learnedFor(store), the models `session-buddy evaluate`
 * measures. A skill appears once, in the first part that lists it.
 */
import { getAbTest } from '../analytics/abTesting';
import type { Store } from '../store/storeInterface';
import { positiveInteger, requireName } from '../validation';
import { relatedCandidates } from './engine';
import { learnedFor, type UpNextAccuracy } from './learnedRecommendations';
import { actionForSkill, isRunnable } from './skillCommands';
import { chooseStrategy, type StrategyChoice } from './strategy';
import type { RecommendationAction, RecommendationContext, RecommendationSource } from './types';

export type ListSection = 'up-next' | 'discover' | 'more';

/** Discover and More are short: they are for a glance, Up next for the next run. */
export const SIDE_SECTION_SIZE = 3;

export interface ListedSkill {
  skill: string;
  section: ListSection;
  /** 1-based place in the whole list, as shown (what a click records as the choice's rank). */
  rank: number;
  /**
   * Up next: the calibrated probability that this is the user's next run. Discover: the probability
   * that it is the next skill the user tries of those not tried yet. More: null (a lift is no probability).
   */
  probability: number | null;
  reason: string;
  source: RecommendationSource | 'next-skill' | 'discovery';
  action: RecommendationAction;
  /** When there is nothing to run: how to make it runnable, in one sentence. */
  howToRun?: string;
}

export interface RecommendationList {
  items: ListedSkill[];
  /** The strategy of "More" (the user's A/B group, or all sources). */
  choice: StrategyChoice;
  /** The name of the A/B test that chose it, when one did. */
  abTestName?: string;
  /** How often Up next was right on the watched user's newest runs. */
  accuracy: UpNextAccuracy;
}

export interface ListQuery extends RecommendationContext {
  /** When the question is asked (epoch ms; default now). */
  atMs?: number;
  /** The session the next run belongs to, when known. */
  sessionId?: string;
}

/** "Up next was right 62% of the time at first place, 85% among its first three, on your last 500 runs." */
export function accuracySentence(accuracy: UpNextAccuracy): string | undefined {
  if (accuracy.runs === 0) return undefined;
  const percent = (rate: number) => `${Math.round(rate * 100)}%`;
  return `Up next was right ${percent(accuracy.top1)} of the time at first place, ${percent(accuracy.top3)} among its first three, on your last ${accuracy.runs === 1 ? 'run' : `${accuracy.runs} runs`}.`;
}

/** A sentence that says how a skill with no known command or task can be run from the list. */
export function howToRun(skill: string): string {
  return `Session Buddy knows no command for ${skill}: run it once from a task (Terminal › Run Task…) or give a task that label, and Run will start it.`;
}

function listed(skill: string, section: ListSection, probability: number | null, reason: string, source: ListedSkill['source']): Omit<ListedSkill, 'rank'> {
  const action = actionForSkill(skill);
  return { skill, section, probability, reason, source, action, ...(isRunnable(action) ? {} : { howToRun: howToRun(skill) }) };
}

/** The list for this user now: Up next (`limit` items, default 5), then Discover and More (up to 3 each). */
export async function getRecommendationList(store: Store, query: ListQuery): Promise<RecommendationList> {
  const limit = positiveInteger('limit', query.limit, 5, 100);
  const userId = requireName('userId', query.userId);
  const learned = learnedFor(store);
  await learned.whenReady();
  const upNext = learned.upNext(userId, { atMs: query.atMs ?? Date.now(), session: query.sessionId, languageId: query.languageId, isTestFile: query.isTestFile }, limit);
  const parts: Omit<ListedSkill, 'rank'>[] = upNext.items.map((item) => listed(item.skill, 'up-next', item.probability, item.reason, 'next-skill'));
  const shown = new Set(parts.map((p) => p.skill));
  const side = Math.min(SIDE_SECTION_SIZE, limit);
  for (const item of learned.discover(userId, side + shown.size).filter((d) => !shown.has(d.skill)).slice(0, side)) {
    parts.push(listed(item.skill, 'discover', item.probability, item.reason, 'discovery'));
    shown.add(item.skill);
  }
  const choice = chooseStrategy(store, userId);
  for (const rec of relatedCandidates(store, { lastSkill: query.lastSkill, userId }, 4 * side, choice.strategy).filter((r) => !shown.has(r.skill)).slice(0, side)) {
    parts.push(listed(rec.skill, 'more', null, rec.reason, rec.source));
    shown.add(rec.skill);
  }
  const abTestName = choice.abTest ? getAbTest(store, choice.abTest.testId).test_name : undefined;
  return { items: parts.map((part, i) => ({ ...part, rank: i + 1 })), choice, ...(abTestName ? { abTestName } : {}), accuracy: learned.accuracy() };
}
