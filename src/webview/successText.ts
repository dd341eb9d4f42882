import type { SuccessFigures } from '../core/recommend/types';

/**
 * How a recommendation's success is said: what was observed, with its count ("100% of 1 run"),
 * then an estimate only as a labelled one, saying where it comes from. Pure, for both the page
 * and the tests.
 */
export function observedText(observed: SuccessFigures['observed']): { text: string; title: string } {
  if (!observed) return { text: 'never run', title: 'No run of this skill is recorded yet' };
  const runs = observed.runs === 1 ? '1 run' : `${observed.runs} runs`;
  const whose = observed.scope === 'yours' ? 'Your runs' : 'Runs by everyone in this store';
  return { text: `${Math.round((observed.completed / observed.runs) * 100)}% of ${runs}`, title: `${whose} of this skill that completed: ${observed.completed} of ${runs}` };
}

export function estimateText(success: Pick<SuccessFigures, 'estimate' | 'estimateFrom' | 'observed'>): { text: string; title: string } {
  const percent = `${Math.round(success.estimate * 100)}%`;
  if (success.estimateFrom === 'model') return { text: `predicted ${percent}`, title: 'Predicted by the success model trained on past runs (time of day, recent outcomes, session, phase)' };
  return {
    text: `estimate ${percent}`,
    title: success.observed
      ? 'The completed share smoothed with one success and one failure, because a few runs say little (no success model is trained yet)'
      : 'Nothing is known yet: an even chance (no success model is trained yet)',
  };
}
