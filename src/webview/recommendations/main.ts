import '../litNonce';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { el } from '../dom';
import type { EmptyReason, EmptyStateAction, HostToRecommendations, RecommendationItem, RecommendationsHeading, RecommendationsState, RecommendationsToHost } from '../protocol';
import { hostApi } from '../vscodeApi';

const host = hostApi<RecommendationsToHost>();
const root = document.getElementById('root')!;

function button(label: string, attrs: Record<string, string | undefined>, onClick: () => void): HTMLElement {
  const node = el('vscode-button' as 'button', attrs, label);
  node.addEventListener('click', onClick);
  return node;
}

const SECTIONS: { id: RecommendationItem['section']; title: string; note: string; chance: string }[] = [
  { id: 'up-next', title: 'Up next', note: 'What you are likely to run next, learned from your runs.', chance: 'The chance that this is your next run' },
  { id: 'discover', title: 'Discover', note: 'Skills people with a history like yours run that you have not tried.', chance: 'The chance that this is the next skill you try' },
  { id: 'more', title: 'More', note: 'Used in the same sessions as your last skill, or by your teammates.', chance: '' },
];

function runItem(rec: RecommendationItem): void {
  if (rec.runLabel) host.postMessage({ type: 'run', skill: rec.skill });
}

function dismissItem(rec: RecommendationItem): void {
  host.postMessage({ type: 'dismiss', skill: rec.skill });
}

function item(rec: RecommendationItem, chance: string): HTMLElement {
  const actions = el('div', { class: 'rec-actions' });
  if (rec.runLabel) actions.append(button('Run', { 'data-testid': 'rec-run', 'aria-label': rec.runLabel, title: rec.runLabel }, () => runItem(rec)));
  actions.append(button('✕', { 'data-testid': 'rec-dismiss', secondary: '', 'aria-label': `Dismiss ${rec.skill}`, title: 'Dismiss (Delete)' }, () => dismissItem(rec)));
  const percent = rec.probability === null ? undefined : `${Math.round(rec.probability * 100)}%`;
  const node = el(
    'li',
    {
      'data-testid': 'recommendation',
      'data-skill': rec.skill,
      'data-section': rec.section,
      class: 'rec',
      tabindex: '0',
      'aria-label': `${rec.skill}${percent ? `, ${percent}` : ''}: ${rec.reason}${rec.runLabel ? ' Enter runs it.' : ''} Delete dismisses it.`,
    },
    el(
      'div',
      { class: 'rec-head' },
      el('span', { 'data-testid': 'rec-skill', class: 'rec-skill', title: rec.skill }, rec.skill),
      ...(percent ? [el('span', { 'data-testid': 'rec-probability', class: 'rec-probability', title: chance }, percent)] : []),
      actions,
    ),
    el('p', { 'data-testid': 'rec-reason', class: 'rec-reason' }, rec.reason),
    ...(rec.howToRun ? [el('p', { 'data-testid': 'rec-how', class: 'rec-how' }, rec.howToRun)] : []),
  );
  node.addEventListener('keydown', (event) => {
    if (event.target !== node) return;
    if (event.key === 'Enter') runItem(rec);
    else if (event.key === 'Delete' || event.key === 'Backspace') dismissItem(rec);
    else return;
    event.preventDefault();
  });
  return node;
}

function heading(words: RecommendationsHeading): HTMLElement {
  return el(
    'header',
    { class: 'rec-heading' },
    el('h1', { 'data-testid': 'rec-title' }, 'What to run next'),
    ...(words.accuracy ? [el('p', { 'data-testid': 'rec-accuracy', class: 'rec-note' }, words.accuracy)] : []),
    ...(words.strategy ? [el('p', { 'data-testid': 'rec-strategy', class: 'rec-note' }, words.strategy)] : []),
  );
}

function sections(items: RecommendationItem[]): HTMLElement[] {
  return SECTIONS.filter((s) => items.some((i) => i.section === s.id)).map((s) => el(
    'section',
    { 'data-testid': `rec-section-${s.id}`, class: 'rec-section', 'aria-labelledby': `rec-title-${s.id}` },
    el('h2', { id: `rec-title-${s.id}` }, s.title),
    el('p', { class: 'rec-note' }, s.note),
    el('ol', { class: 'recs' }, ...items.filter((i) => i.section === s.id).map((i) => item(i, s.chance))),
  ));
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
    view.append(heading(state.heading), ...sections(state.items));
  }
  // The list is redrawn after every run: the item that had the keyboard keeps it.
  const focused = (document.activeElement as HTMLElement | null)?.closest('[data-skill]')?.getAttribute('data-skill');
  const scrolled = window.scrollY;
  root.replaceChildren(view);
  window.scrollTo(0, scrolled);
  if (focused) root.querySelector<HTMLElement>(`[data-skill="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
}

window.addEventListener('message', (event: MessageEvent<HostToRecommendations>) => {
  if (event.data?.type === 'state') render(event.data.state);
});
render({ status: 'loading' });
host.postMessage({ type: 'ready' });
