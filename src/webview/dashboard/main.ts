import type { SourceComparison } from '../../core/analytics/agentVsHuman';
import type { SkillTrend, TrendSeries } from '../../core/analytics/trend';
import type { ChangeMark, ChartChange } from '../../core/dashboard/changeMarks';
import type { DashboardAnomaly, DashboardData, DayPoint, SkillSeries, TopSkillRow } from '../../core/dashboard/dashboardData';
import { changeStartWords, formatMoment, metricWords } from '../../shared/changeWords';
import { formatDuration, formatPercent as percent, plural } from '../../shared/words';
import { chartGeometry, chartSize, offsetX, trendGeometry, type ChartGeometry, type Tick, type ValueKind, type XLabel } from '../chartGeometry';
import { el, svg } from '../dom';
import { DASHBOARD_RANGES, type DashboardSection, type DashboardState, type DashboardToHost, type HostToDashboard } from '../protocol';
import { hostApi } from '../vscodeApi';

const host = hostApi<DashboardToHost>();
const root = document.getElementById('root')!;

/** Heights of the plots (their width is the page's): fixed, so a redraw never moves the page. */
const WIDE_HEIGHT = 170;
const SMALL_HEIGHT = 140;

/** A part the page itself scrolls to after its next state (a row of the top skills was chosen). */
let revealNext: DashboardSection | undefined;

function section(title: string, testid: string, ...content: Node[]): HTMLElement {
  const id = `h-${testid}`;
  return el('section', { 'data-testid': testid, 'aria-labelledby': id }, el('h2', { id }, title), ...content);
}

function rangeWords(data: DashboardData): string {
  const where = data.scope.workspace === 'workspace' ? 'this workspace, ' : '';
  return `${where}last ${data.range.days} days (${data.range.from} to ${data.range.to}, ${data.range.boundary === 'utc' ? 'UTC days' : 'local days'})`;
}

/** A time of day, with the date unless it is today: "1:36 PM", "Mar 3, 1:36 PM". */
function when(timestamp: string | null): string {
  if (timestamp === null) return '–';
  const at = new Date(timestamp);
  const time = at.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  if (at.toDateString() === new Date().toDateString()) return time;
  return `${at.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${time}`;
}

/** Time spent on a day: nothing to say on a day without runs. */
function spent(d: DayPoint): string {
  return d.invocations ? formatDuration(d.timeSpentSeconds) : '–';
}

function dayText(d: DayPoint): string {
  return `${d.date}: ${plural(d.invocations, 'run')}${d.invocations ? `, ${percent(d.completionRate)} completed, ${spent(d)} spent` : ''}`;
}

/** A table of the same numbers as a chart, for screen readers (and anyone who prefers numbers). */
function dataTable(caption: string, days: DayPoint[]): HTMLElement {
  const head = el('tr', {}, ...['Day', 'Runs', 'Completed', 'Time spent'].map((h) => el('th', { scope: 'col' }, h)));
  const rows = days.map((d) => el('tr', {}, el('th', { scope: 'row' }, d.date), el('td', { class: 'num' }, String(d.invocations)), el('td', { class: 'num' }, percent(d.completionRate)), el('td', { class: 'num' }, spent(d))));
  return el('table', { class: 'sr-only', 'data-testid': 'chart-table' }, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, ...rows));
}

/**
 * A plot box of fixed height whose SVG is drawn at the box's own width, in screen pixels (a scaled
 * SVG would scale its labels with it), and drawn again when that width changes.
 */
function plotBox(height: number, draw: (width: number) => SVGElement): HTMLElement {
  const box = el('div', { class: 'plot' });
  // Through the CSSOM: the page's CSP refuses style attributes.
  box.style.height = `${height}px`;
  let drawn = 0;
  new ResizeObserver((entries) => {
    const width = Math.floor(entries[0].contentRect.width);
    if (width <= 0 || width === drawn) return;
    drawn = width;
    box.replaceChildren(draw(width));
  }).observe(box);
  return box;
}

function xAxis(labels: XLabel[], y: number): SVGElement[] {
  return labels.map((l) => svg('text', { x: l.x, y, class: 'tick', 'data-axis': 'x', 'text-anchor': l.anchor }, l.text));
}

/** Grid lines and labels of a value axis, on the left (x = the plot's left) or the right. */
function yAxis(ticks: Tick[], plot: ChartGeometry['plot'], side: 'left' | 'right', axis: string, grid: boolean): SVGElement[] {
  const x = side === 'left' ? plot.x - 6 : plot.x + plot.width + 6;
  return ticks.flatMap((t) => [
    ...(grid ? [svg('line', { x1: plot.x, y1: t.y, x2: plot.x + plot.width, y2: t.y, class: t.value === 0 ? 'axis' : 'grid' })] : []),
    svg('text', { x, y: t.y + 4, class: 'tick', 'data-axis': axis, 'text-anchor': side === 'left' ? 'end' : 'start' }, t.text),
  ]);
}

/** The unit of an axis, written above it. */
function unitLabel(text: string, axis: string, x: number, anchor: 'start' | 'end'): SVGElement {
  return svg('text', { x, y: 12, class: 'unit', 'data-axis': axis, 'text-anchor': anchor }, text);
}

/** The readout under a chart says the focused mark's numbers (hover shows them as a tooltip too). */
function withReadout(figure: HTMLElement, picture: HTMLElement, marks: string): HTMLElement {
  const readout = el('p', { class: 'readout muted', 'aria-live': 'polite', 'data-testid': 'chart-readout' }, `Hover or focus ${marks} for its numbers.`);
  picture.addEventListener('focusin', (event) => {
    const label = (event.target as Element).getAttribute('aria-label');
    if (label) readout.textContent = label;
  });
  figure.append(readout);
  return figure;
}

interface BarChart {
  title: string;
  days: DayPoint[];
  testid: string;
  /** What a bar measures, written above the value axis ("runs a day", "time spent"). */
  unit: string;
  kind: ValueKind;
  value?: (d: DayPoint) => number;
  /** A shared top of the value axis (the per-skill charts). */
  max?: number;
  /** Draw the share completed on a right-hand 0–100 % axis. */
  rate: boolean;
  height: number;
  /** Change points to mark (the per-skill charts). */
  changes?: ChartChange[];
}

function drawBars(c: BarChart, width: number): SVGElement {
  const g = chartGeometry(c.days, chartSize(width, c.height, { rateAxis: c.rate }), { max: c.max, value: c.value, kind: c.kind });
  const { size, plot } = g;
  const label = `${c.title}: ${g.bars.length} days, from ${c.days[0]?.date ?? ''} to ${c.days.at(-1)?.date ?? ''}; the axis goes up to ${g.valueTicks.at(-1)?.text ?? ''}${c.rate ? '; the line is the share completed (0–100%)' : ''}`;
  return svg(
    'svg',
    { width: size.width, height: size.height, viewBox: `0 0 ${size.width} ${size.height}`, role: 'group', 'aria-label': label, class: 'chart-svg' },
    unitLabel(c.unit, 'y', 0, 'start'),
    ...yAxis(g.valueTicks, plot, 'left', 'y', true),
    ...(c.rate ? [unitLabel('completed', 'y2', size.width, 'end'), ...yAxis(g.rateTicks, plot, 'right', 'y2', false)] : []),
    ...g.bars.map((b) => {
      const words = dayText(b.point);
      return svg('rect', { x: b.x, y: b.y, width: b.width, height: Math.max(b.height, 0.5), class: 'bar', tabindex: 0, role: 'img', 'aria-label': words }, svg('title', {}, words));
    }),
    ...(c.rate ? g.lines.map((points) => svg('polyline', { points, class: 'rate' })) : []),
    ...(c.rate ? g.dots.map((d) => svg('circle', { cx: d.x, cy: d.y, r: 2.5, class: 'rate-dot' })) : []),
    ...(c.changes ?? []).flatMap((change) => (change.offset === null ? [] : [changeMarker(change, offsetX(change.offset, c.days.length, plot), plot)])),
    ...xAxis(g.xLabels, size.height - 4),
  );
}

/** "1.6× slower (30 s → 48 s) from Tue, Mar 3, 2:02 PM (run 201), still so". */
function changeText(c: ChartChange): string {
  if (c.offset === null) return `${c.change} since ${changeStartWords(c)}, before this range, still so`;
  return `${c.change} from ${changeStartWords(c)}${c.open ? ', still so' : ''}`;
}

/**
 * A change point: a line across the plot with a flag at its top, its words as the tooltip and the
 * readout (its label is under the chart, where text cannot run into the bars or another label).
 */
function changeMarker(c: ChartChange, x: number, plot: ChartGeometry['plot']): SVGElement {
  const words = changeText(c);
  const kind = c.regression ? 'change regression' : 'change';
  return svg(
    'g',
    { class: kind, tabindex: 0, role: 'img', 'aria-label': words, 'data-testid': 'change-marker', 'data-metric': c.metric },
    svg('title', {}, words),
    svg('rect', { x: x - 4, y: plot.y, width: 8, height: plot.height, class: 'change-hit' }),
    svg('line', { x1: x, y1: plot.y, x2: x, y2: plot.y + plot.height, class: 'change-line' }),
    svg('path', { d: `M${x - 4},${plot.y} h8 l-4,6 z`, class: 'change-flag' }),
  );
}

/** The chart's change points in words, oldest first, under it. */
function changeNotes(changes: ChartChange[]): HTMLElement[] {
  if (changes.length === 0) return [];
  const items = changes.map((c) => el('li', { class: c.regression ? 'change-note regression' : 'change-note', 'data-testid': 'change-note' }, changeText(c)));
  return [el('ul', { class: 'change-notes' }, ...items)];
}

function barChart(c: BarChart): HTMLElement {
  const picture = plotBox(c.height, (width) => drawBars(c, width));
  const figure = el('figure', { 'data-testid': c.testid, class: 'chart' }, el('figcaption', {}, c.title), picture, ...changeNotes(c.changes ?? []), dataTable(c.title, c.days));
  return withReadout(figure, picture, c.changes?.some((change) => change.offset !== null) ? 'a bar or a change' : 'a bar');
}

function timeline(data: DashboardData): HTMLElement {
  const legend = el('p', { class: 'legend muted' }, el('span', { class: 'swatch bar' }), 'runs per day ', el('span', { class: 'swatch rate' }), 'share completed (right axis)');
  const runs = barChart({ title: 'Runs of all skills', days: data.timeline, testid: 'timeline-chart', unit: 'runs a day', kind: 'count', rate: true, height: WIDE_HEIGHT });
  const time = barChart({ title: 'Time spent in skills per day', days: data.timeline, testid: 'time-chart', unit: 'time spent', kind: 'duration', value: (d) => d.timeSpentSeconds, rate: false, height: WIDE_HEIGHT });
  return section(`All skills, ${rangeWords(data)}`, 'timeline', legend, el('div', { class: 'charts wide' }, runs, time));
}

/** A column's heading and its cell class ('num' right-aligns figures). */
type Column = [string, string | undefined];

function table(columns: Column[], body: HTMLElement[]): HTMLElement {
  const head = el('tr', {}, ...columns.map(([h, cls]) => el('th', { scope: 'col', class: cls }, h)));
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...body));
}

/** A skill's name as a button that opens its trend chart. */
function skillButton(skill: string): HTMLElement {
  const button = el('button', { type: 'button', class: 'link', 'data-testid': 'skill-link', title: `Show the completion trend of ${skill}` }, skill);
  button.addEventListener('click', () => {
    revealNext = 'trend-chart';
    host.postMessage({ type: 'trendSkill', skill });
  });
  return button;
}

function topSkills(rows: TopSkillRow[], data: DashboardData): HTMLElement {
  const title = `Top skills, ${rangeWords(data)}`;
  if (rows.length === 0) return section(title, 'top-skills', el('p', { class: 'muted' }, 'No runs in this range.'));
  const columns: Column[] = [['Skill', undefined], ['Runs', 'num'], ['Completed', 'num'], ['Avg duration', 'num'], ['Time spent', 'num'], ['Last run', undefined]];
  const body = rows.map((r) =>
    el(
      'tr',
      { 'data-testid': 'top-skill-row' },
      el('th', { scope: 'row' }, skillButton(r.skill)),
      el('td', { class: 'num' }, String(r.invocations)),
      el('td', { class: 'num' }, percent(r.completionRate)),
      el('td', { class: 'num', title: 'Mean over the runs that recorded a duration' }, formatDuration(r.avgDurationSeconds)),
      el('td', { class: 'num' }, formatDuration(r.timeSpentSeconds)),
      el('td', {}, when(r.lastInvoked)),
    ),
  );
  const exportButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'export-csv' }, 'Export CSV…');
  exportButton.addEventListener('click', () => host.postMessage({ type: 'exportCsv' }));
  const hint = el('p', { class: 'muted' }, 'Choose a skill to see its completion trend.');
  return section(title, 'top-skills', el('div', { class: 'toolbar' }, hint, exportButton), table(columns, body));
}

function agentVsHuman(rows: SourceComparison[], data: DashboardData): HTMLElement {
  const title = `AI agent and you, ${rangeWords(data)}`;
  if (rows.length === 0) {
    return section(title, 'agent-vs-human', el('p', { class: 'muted' }, 'No skill run at least 3 times by both an AI agent and you (agents report their runs with sessionBuddy.agents.enabled).'));
  }
  const columns: Column[] = [['Skill', undefined], ["Agent's runs", 'num'], ['Agent completed', 'num'], ['Your runs', 'num'], ['You completed', 'num']];
  const body = rows.map((r) =>
    el(
      'tr',
      { 'data-testid': 'agent-vs-human-row' },
      el('th', { scope: 'row' }, r.skill),
      el('td', { class: 'num' }, String(r.agent.runs)),
      el('td', { class: 'num' }, percent(r.agent.completionRate)),
      el('td', { class: 'num' }, String(r.human.runs)),
      el('td', { class: 'num' }, percent(r.human.completionRate)),
    ),
  );
  return section(title, 'agent-vs-human', table(columns, body));
}

function perSkill(series: SkillSeries[], data: DashboardData): HTMLElement {
  const title = 'Busiest skills, per day (one scale for all)';
  if (series.length === 0) return section(title, 'charts', el('p', { class: 'muted' }, 'No runs in this range.'));
  const charts = series.map((s) => barChart({ title: s.skill, days: s.days, testid: 'chart', unit: 'runs a day', kind: 'count', max: data.maxDailyRuns, rate: true, height: SMALL_HEIGHT, changes: s.changes }));
  return section(title, 'charts', el('div', { class: 'charts' }, ...charts));
}

const TREND_WORDS: Record<SkillTrend['trend'], string> = {
  improving: '↗ improving',
  declining: '↘ declining',
  stable: '→ stable',
  insufficient_data: 'no trend yet',
};

function trendWords(t: SkillTrend): string {
  if (t.trend === 'insufficient_data') return `no trend yet: ${plural(t.days, 'day')} with runs, a trend needs 3`;
  const change = t.start_value !== null && t.end_value !== null ? ` (${percent(t.start_value)} → ${percent(t.end_value)})` : '';
  return `${TREND_WORDS[t.trend]}${t.trend === 'stable' ? '' : change}${t.p_value === null ? '' : `, p = ${t.p_value.toFixed(3)}`}`;
}

function trendChart(data: DashboardData): HTMLElement {
  const title = 'Completion trend of one skill';
  if (!data.trendChart || data.skills.length === 0) return section(title, 'trend-chart', el('p', { class: 'muted' }, 'No runs in this range.'));
  const chosen = data.trendChart;
  const select = el('select', { 'data-testid': 'trend-skill', 'aria-label': 'Skill' }, ...data.skills.map((s) => el('option', s === chosen.trend.skill_name ? { value: s, selected: '' } : { value: s }, s)));
  select.addEventListener('change', () => host.postMessage({ type: 'trendSkill', skill: select.value }));
  return section(title, 'trend-chart', el('label', { class: 'pick' }, 'Skill ', select), trendFigure(chosen, new Date(data.generatedAt)));
}

function drawTrend(series: TrendSeries, now: Date, words: string, width: number): SVGElement {
  const g = trendGeometry(series, chartSize(width, WIDE_HEIGHT, { rateAxis: false }), now);
  const { size, plot } = g;
  return svg(
    'svg',
    { width: size.width, height: size.height, viewBox: `0 0 ${size.width} ${size.height}`, role: 'group', 'aria-label': `${words}; dots are the share completed per 24 hours, the line is the least-squares fit`, class: 'chart-svg' },
    unitLabel('completed', 'y', 0, 'start'),
    ...yAxis(g.rateTicks, plot, 'left', 'y', true),
    ...(g.fit ? [svg('polyline', { points: g.fit, class: 'fit' })] : []),
    ...g.dots.map((d) => {
      const label = `${d.date} (${d.daysAgo === 0 ? 'the last 24 hours' : `the 24 hours ${plural(d.daysAgo, 'day')} before now`}): ${percent(d.value)} completed`;
      return svg('circle', { cx: d.x, cy: d.y, r: 3.5, class: 'rate-dot', tabindex: 0, role: 'img', 'aria-label': label }, svg('title', {}, label));
    }),
    ...xAxis(g.xLabels, size.height - 4),
  );
}

function trendFigure(series: TrendSeries, now: Date): HTMLElement {
  const words = `${series.trend.skill_name}: ${trendWords(series.trend)}`;
  const picture = plotBox(WIDE_HEIGHT, (width) => drawTrend(series, now, words, width));
  const figure = el('figure', { class: 'chart', 'data-testid': 'trend-figure' }, el('figcaption', { 'data-testid': 'trend-words' }, words), picture);
  return withReadout(figure, picture, 'a dot');
}

function anomalyItem(a: DashboardAnomaly): HTMLElement {
  return el(
    'li',
    { 'data-testid': 'anomaly' },
    a.message,
    el('span', { class: 'muted' }, ` · last run ${when(a.lastRunAt)}, noticed ${when(a.detected_at)}`),
  );
}

function anomalies(rows: DashboardAnomaly[], data: DashboardData): HTMLElement {
  const title = data.scope.workspace === 'workspace' ? 'Open anomalies (every workspace)' : 'Open anomalies';
  if (rows.length === 0) return section(title, 'anomalies', el('p', { class: 'muted' }, 'None: every skill behaves as usual.'));
  return section(title, 'anomalies', el('ul', {}, ...rows.map(anomalyItem)));
}

function regressionRow(r: ChangeMark): HTMLElement {
  return el(
    'tr',
    { 'data-testid': 'regression-row' },
    el('th', { scope: 'row' }, r.skill),
    el('td', {}, metricWords(r.metric)),
    el('td', {}, r.change),
    el('td', {}, formatMoment(r.startedAt, r.metric)),
    el('td', { class: 'num' }, r.startRun === null ? '–' : String(r.startRun)),
  );
}

function regressions(rows: ChangeMark[], data: DashboardData): HTMLElement {
  const title = data.scope.workspace === 'workspace' ? 'Regressions (every workspace)' : 'Regressions';
  const what = 'A skill that got slower or started failing more often at a change point, and is still so; newest first.';
  if (rows.length === 0) return section(title, 'regressions', el('p', { class: 'muted' }, 'None: no skill is slower or failing more often than before.'));
  const columns: Column[] = [['Skill', undefined], ['Metric', undefined], ['Change', undefined], ['Since', undefined], ['From run', 'num']];
  return section(title, 'regressions', el('p', { class: 'muted' }, what), table(columns, rows.map(regressionRow)));
}

function trends(rows: SkillTrend[]): HTMLElement {
  const title = 'Completion trends of the busiest skills (7 days)';
  if (rows.length === 0) return section(title, 'trends', el('p', { class: 'muted', 'data-testid': 'no-trend' }, 'No trend yet: trends appear once skills have run on a few different days.'));
  const items = rows.map((t) => el('li', { 'data-testid': 'trend', class: `trend ${t.trend}` }, el('strong', {}, t.skill_name), ` ${trendWords(t)}`));
  return section(title, 'trends', el('ul', {}, ...items));
}

function picker<T extends string>(label: string, testid: string, options: [T, string][], chosen: T, onChange: (value: T) => void, disabled = false): HTMLElement {
  const select = el('select', { 'data-testid': testid, 'aria-label': label, disabled: disabled ? '' : undefined }, ...options.map(([value, text]) => el('option', value === chosen ? { value, selected: '' } : { value }, text)));
  select.addEventListener('change', () => {
    const picked = options.find(([value]) => value === select.value);
    if (picked) onChange(picked[0]);
  });
  return el('label', { class: 'pick' }, `${label} `, select);
}

function header(data: DashboardData): HTMLElement {
  const range = picker('Range', 'range', DASHBOARD_RANGES.map((d) => [String(d), `last ${d} days`]), String(data.range.days), (value) => {
    const days = DASHBOARD_RANGES.find((d) => String(d) === value);
    if (days) host.postMessage({ type: 'range', days });
  });
  const workspace = picker('Runs of', 'workspace', [['all', 'all workspaces'], ['workspace', 'this workspace']], data.scope.workspace,
    (scope) => host.postMessage({ type: 'workspace', scope }), !data.scope.available);
  const totals = data.totals;
  const summary = `${plural(totals.invocations, 'run')} of ${plural(totals.skills, 'skill')}, ${percent(totals.completionRate)} completed, ${formatDuration(totals.timeSpentSeconds)} spent · updated ${when(data.generatedAt)}`;
  return el('div', { class: 'header' }, el('p', { class: 'summary', 'data-testid': 'summary' }, summary), el('div', { class: 'picks' }, workspace, range));
}

function actionButton(label: string, action: 'trackSkill' | 'openWalkthrough' | 'resumeTracking', primary: boolean): HTMLElement {
  const button = el('button', { type: 'button', class: primary ? 'primary' : 'secondary' }, label);
  button.addEventListener('click', () => host.postMessage({ type: 'action', action }));
  return button;
}

/** A store with nothing in it: what will be here, and how to get the first run recorded. */
function emptyState(paused: boolean): HTMLElement {
  const how = paused
    ? 'Tracking is paused, so nothing is recorded. Resume it, then run something.'
    : 'Run something you always run: a task (Terminal › Run Task…), a test or a linter in the integrated terminal (npm test, pytest, cargo test, ruff…), a debug session — or record a skill by hand.';
  const actions = paused
    ? [actionButton('Resume Tracking', 'resumeTracking', true)]
    : [actionButton('Track a Skill by Hand…', 'trackSkill', true), actionButton('Open the Walkthrough', 'openWalkthrough', false)];
  return el(
    'section',
    { 'data-testid': 'dashboard-empty', class: 'empty', 'aria-labelledby': 'h-empty' },
    el('h2', { id: 'h-empty' }, 'Nothing recorded yet'),
    el('p', {}, 'Once runs are recorded, this dashboard shows your busiest skills, runs and completion per day, the time they take, anomalies and regressions when a skill starts failing or slowing down, and trends.'),
    el('p', {}, how),
    el('div', { class: 'actions' }, ...actions),
  );
}

function scrollTo(target: DashboardSection | undefined): void {
  if (!target) return;
  const part = root.querySelector<HTMLElement>(`[data-testid="${target}"]`);
  part?.scrollIntoView({ block: 'start' });
  part?.querySelector<HTMLElement>('select, button, li')?.focus({ preventScroll: true });
}

function render(state: DashboardState): void {
  const view = el('main', { 'data-testid': 'dashboard', 'aria-busy': state.status === 'loading' ? 'true' : 'false' }, el('h1', {}, 'Session Buddy'));
  if (state.status === 'loading') view.append(el('p', { role: 'status' }, 'Opening the skill store…'));
  else if (state.status === 'error') view.append(el('p', { class: 'error', role: 'alert' }, state.message));
  else if (!state.data.recorded) view.append(emptyState(state.paused));
  else {
    const d = state.data;
    if (d.demo) view.append(el('p', { class: 'demo', 'data-testid': 'demo-banner' }, 'Demo data: this history was generated to show the dashboard; it is not yours.'));
    view.append(header(d), ...(state.upNext ? [el('p', { class: 'summary', 'data-testid': 'up-next-accuracy' }, state.upNext)] : []), timeline(d), topSkills(d.topSkills, d), agentVsHuman(d.agentVsHuman, d), perSkill(d.series, d), trendChart(d), regressions(d.regressions, d), anomalies(d.anomalies, d), trends(d.trends));
  }
  // The page is redrawn whenever the store changes: where the reader was stays where it was.
  const scrolled = window.scrollY;
  root.replaceChildren(view);
  window.scrollTo(0, scrolled);
  if (state.status !== 'ready') return;
  scrollTo(state.reveal ?? revealNext);
  revealNext = undefined;
}

window.addEventListener('message', (event: MessageEvent<HostToDashboard>) => {
  if (event.data?.type === 'state') render(event.data.state);
});
render({ status: 'loading' });
host.postMessage({ type: 'ready' });
