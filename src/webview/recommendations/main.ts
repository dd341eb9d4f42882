import '../litNonce';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { el } from '../dom';
import type { EmptyReason, EmptyStateAction, HostToRecommendations, RecommendationItem, RecommendationsState, RecommendationsToHost } from '../protocol';
import { estimateText, observedText } from '../successText';
import { hostApi } from '../vscodeApi';

const host = hostApi<RecommendationsToHost>();
const root = document.getElementById('root')!;

function button(label: string, attrs: Record<string, string | undefined>, onClick: () => void): HTMLElement {
  const node = el('vscode-button' as 'button', attrs, label);
  node.addEventListener('click', onClick);
  return node;
}

function item(rec: RecommendationItem): HTMLElement {
  const observed = observedText(rec.success.observed);
  const estimate = estimateText(rec.success);
  const run = button(
    'Run',
    { 'data-testid': 'rec-run', 'aria-label': rec.runLabel ? `${rec.runLabel}` : `Nothing to run for ${rec.skill}`, title: rec.runLabel ?? 'No task or command is known for this skill', disabled: rec.runLabel ? undefined : '' },
    () => host.postMessage({ type: 'run', skill: rec.skill }),
  );
  return el(
    'li',
    { 'data-testid': 'recommendation', class: 'rec', 'aria-label': `${rec.skill}: ${rec.reason}` },
    el(
      'div',
      { class: 'rec-head' },
      el('span', { 'data-testid': 'rec-skill', class: 'rec-skill' }, rec.skill),
      run,
    ),
    el(
      'div',
      { class: 'rec-figures' },
      el('span', { 'data-testid': 'rec-score', title: 'How strongly this is recommended (0–100)' }, `score ${Math.round(rec.score * 100)}`),
      el('span', { 'data-testid': 'rec-success', title: observed.title }, observed.text),
      el('span', { 'data-testid': 'rec-estimate', class: 'rec-estimate', title: estimate.title }, estimate.text),
    ),
    el('p', { 'data-testid': 'rec-reason', class: 'rec-reason' }, rec.reason),
  );
}

const EMPTY_TEXT: Record<EmptyReason, { title: string; body: string; actions: [string, EmptyStateAction][] }> = {
  'no-data': {
    title: 'Nothing to recommend yet',
    body: 'Session Buddy learns from what you run. Run a task (Terminal › Run Task…), a test or lint command in the terminal, or start a debug session, and suggestions for what to run next appear here.',
    actions: [
      ['Track a skill by hand', 'trackSkill'],
      ['Show me around', 'openWalkthrough'],
    ],
  },
  paused: {
    title: 'Tracking is paused',
    body: 'Nothing is being recorded in this window, so recommendations do not change.',
    actions: [['Resume tracking', 'resumeTracking']],
  },
  'no-match': {
    title: 'No suggestion right now',
    body: 'Keep working: suggestions appear as Session Buddy sees which skills you use together.',
    actions: [['Track a skill by hand', 'trackSkill']],
  },
};

function emptyState(reason: EmptyReason): HTMLElement {
  const text = EMPTY_TEXT[reason];
  return el(
    'div',
    { 'data-testid': 'empty-state', class: 'empty' },
    el('h2', {}, text.title),
    el('p', {}, text.body),
    el('div', { class: 'actions' }, ...text.actions.map(([label, action], i) => button(label, { secondary: i > 0 ? '' : undefined }, () => host.postMessage({ type: 'action', action })))),
  );
}

function render(state: RecommendationsState): void {
  const view = el('section', { 'data-testid': 'recommendations', 'aria-busy': state.status === 'loading' ? 'true' : 'false' });
  if (state.status === 'loading') {
    view.append(el('div', { class: 'loading', role: 'status' }, el('vscode-progress-ring' as 'div'), 'Opening the skill store…'));
  } else if (state.status === 'error') {
    view.append(el('p', { class: 'error', role: 'alert' }, state.message));
  } else if (state.items.length === 0) {
    view.append(emptyState(state.empty ?? 'no-match'));
  } else {
    view.append(el('ol', { class: 'recs', 'aria-label': 'Recommended skills, best first' }, ...state.items.map(item)));
  }
  root.replaceChildren(view);
}

window.addEventListener('message', (event: MessageEvent<HostToRecommendations>) => {
  if (event.data?.type === 'state') render(event.data.state);
});
render({ status: 'loading' });
host.postMessage({ type: 'ready' });
