import type { SourceComparison } from '../../core/analytics/agentVsHuman';
import type { StoredAnomaly } from '../../core/analytics/anomalies';
import type { SkillTrend, TrendSeries } from '../../core/analytics/trend';
import type { DashboardData, DayPoint, SkillSeries, TopSkillRow } from '../../core/dashboard/dashboardData';
import { chartGeometry, trendGeometry, type ChartGeometry, type XLabel } from '../chartGeometry';
import { formatDuration as seconds, formatPercent as percent, plural } from '../../shared/words';
import { el, svg } from '../dom';
import { DASHBOARD_RANGES, type DashboardState, type DashboardToHost, type HostToDashboard } from '../protocol';
import { hostApi } from '../vscodeApi';

const host = hostApi<DashboardToHost>();
const root = document.getElementById('root')!;

function section(title: string, testid: string, ...content: Node[]): HTMLElement {
  const id = `h-${testid}`;
  return el('section', { 'data-testid': testid, 'aria-labelledby': id }, el('h2', { id }, title), ...content);
}

function rangeWords(data: DashboardData): string {
  return `last ${data.range.days} days (${data.range.from} to ${data.range.to}, ${data.range.boundary === 'utc' ? 'UTC days' : 'local days'})`;
}

function dayText(d: DayPoint): string {
  return `${d.date}: ${plural(d.invocations, 'run')}${d.invocations ? `, ${percent(d.completionRate)} completed, ${seconds(d.timeSpentSeconds)} spent` : ''}`;
}

/** A table of the same numbers as a chart, for screen readers (and anyone who prefers numbers). */
function dataTable(caption: string, days: DayPoint[]): HTMLElement {
  const head = el('tr', {}, ...['Day', 'Runs', 'Completed', 'Time spent'].map((h) => el('th', { scope: 'col' }, h)));
  const rows = days.map((d) => el('tr', {}, el('th', { scope: 'row' }, d.date), el('td', { class: 'num' }, String(d.invocations)), el('td', { class: 'num' }, percent(d.completionRate)), el('td', { class: 'num' }, seconds(d.timeSpentSeconds))));
  return el('table', { class: 'sr-only', 'data-testid': 'chart-table' }, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, ...rows));
}

function xAxis(labels: XLabel[], y: number): SVGElement[] {
  return labels.map((l) => svg('text', { x: l.x, y, class: 'tick', 'text-anchor': l.anchor }, l.text));
}

/** The readout under a chart says the focused bar's numbers (hover shows them as a tooltip too). */
function withReadout(figure: HTMLElement, picture: SVGElement): HTMLElement {
  const readout = el('p', { class: 'readout muted', 'aria-live': 'polite', 'data-testid': 'chart-readout' }, 'Hover or focus a bar for its numbers.');
  picture.addEventListener('focusin', (event) => {
    const label = (event.target as Element).getAttribute('aria-label');
    if (label) readout.textContent = label;
  });
  figure.append(readout);
  return figure;
}

function barChart(title: string, days: DayPoint[], g: ChartGeometry, unit: (v: number) => string, showRate: boolean, testid: string): HTMLElement {
  const { size, plot } = g;
  const label = `${title}: ${g.bars.length} days, from ${days[0]?.date ?? ''} to ${days.at(-1)?.date ?? ''}; the axis goes up to ${unit(g.max)}${showRate ? '; the line is the share completed (0–100%)' : ''}`;
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${size.width} ${size.height}`, role: 'group', 'aria-label': label, class: 'chart-svg' },
    ...g.valueTicks.flatMap((t) => [
      svg('line', { x1: plot.x, y1: t.y, x2: plot.x + plot.width, y2: t.y, class: t.value === 0 ? 'axis' : 'grid' }),
      svg('text', { x: plot.x - 4, y: t.y + 3, class: 'tick', 'text-anchor': 'end' }, unit(t.value)),
    ]),
    ...(showRate
      ? [0, 0.5, 1].map((r) => svg('text', { x: plot.x + plot.width + 4, y: plot.height - r * plot.height + 3, class: 'tick rate-tick' }, `${r * 100}%`))
      : []),
    ...g.bars.map((b) => {
      const words = dayText(b.point);
      return svg('rect', { x: b.x, y: b.y, width: b.width, height: Math.max(b.height, 0.5), class: 'bar', tabindex: 0, role: 'img', 'aria-label': words }, svg('title', {}, words));
    }),
    ...(showRate ? g.lines.map((points) => svg('polyline', { points, class: 'rate' })) : []),
    ...(showRate ? g.dots.map((d) => svg('circle', { cx: d.x, cy: d.y, r: 2.5, class: 'rate-dot' })) : []),
    ...xAxis(g.xLabels, size.height - 3),
  );
  const figure = el('figure', { 'data-testid': testid, class: 'chart' }, el('figcaption', {}, title), picture, dataTable(title, days));
  return withReadout(figure, picture);
}

function runsChart(title: string, days: DayPoint[], max: number | undefined, testid: string): HTMLElement {
  return barChart(title, days, chartGeometry(days, { max }), (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)), true, testid);
}

function timeline(data: DashboardData): HTMLElement {
  const legend = el('p', { class: 'legend muted' }, el('span', { class: 'swatch bar' }), 'runs per day ', el('span', { class: 'swatch rate' }), 'share completed (right axis)');
  const time = barChart('Time spent in skills per day', data.timeline, chartGeometry(data.timeline, { value: (d) => d.timeSpentSeconds }), (v) => seconds(v), false, 'time-chart');
  return section(`All skills, ${rangeWords(data)}`, 'timeline', legend, el('div', { class: 'charts wide' }, runsChart('Runs of all skills', data.timeline, undefined, 'timeline-chart'), time));
}

/** A column's heading and its cell class ('num' right-aligns figures). */
type Column = [string, string | undefined];

function table(columns: Column[], body: HTMLElement[]): HTMLElement {
  const head = el('tr', {}, ...columns.map(([h, cls]) => el('th', { scope: 'col', class: cls }, h)));
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...body));
}

function topSkills(rows: TopSkillRow[], data: DashboardData): HTMLElement {
  const title = `Top skills, ${rangeWords(data)}`;
  if (rows.length === 0) return section(title, 'top-skills', el('p', { class: 'muted' }, 'No runs in this range.'));
  const columns: Column[] = [['Skill', undefined], ['Runs', 'num'], ['Completed', 'num'], ['Avg duration', 'num'], ['Time spent', 'num'], ['Last run', undefined]];
  const body = rows.map((r) =>
    el(
      'tr',
      { 'data-testid': 'top-skill-row' },
      el('th', { scope: 'row' }, r.skill),
      el('td', { class: 'num' }, String(r.invocations)),
      el('td', { class: 'num' }, percent(r.completionRate)),
      el('td', { class: 'num', title: 'Mean over the runs that recorded a duration' }, seconds(r.avgDurationSeconds)),
      el('td', { class: 'num' }, seconds(r.timeSpentSeconds)),
      el('td', {}, r.lastInvoked ? new Date(r.lastInvoked).toLocaleString() : '–'),
    ),
  );
  return section(title, 'top-skills', table(columns, body));
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
  return section(title, 'charts', el('div', { class: 'charts' }, ...series.map((s) => runsChart(s.skill, s.days, data.maxDailyRuns, 'chart'))));
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
  return section(title, 'trend-chart', el('label', { class: 'pick' }, 'Skill ', select), trendFigure(chosen));
}

function trendFigure(series: TrendSeries): HTMLElement {
  const g = trendGeometry(series);
  const { size } = g;
  const plotHeight = size.height - size.bottom;
  const words = `${series.trend.skill_name}: ${trendWords(series.trend)}`;
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${size.width} ${size.height}`, role: 'group', 'aria-label': `${words}; dots are the share completed per 24 hours, the line is the least-squares fit`, class: 'chart-svg' },
    ...[0, 0.5, 1].flatMap((r) => [
      svg('line', { x1: size.left, y1: plotHeight - r * plotHeight, x2: size.width - size.right, y2: plotHeight - r * plotHeight, class: r === 0 ? 'axis' : 'grid' }),
      svg('text', { x: size.left - 4, y: plotHeight - r * plotHeight + 3, class: 'tick', 'text-anchor': 'end' }, `${r * 100}%`),
    ]),
    ...(g.fit ? [svg('polyline', { points: g.fit, class: 'fit' })] : []),
    ...g.dots.map((d) => {
      const label = `${d.daysAgo === 0 ? 'the last 24 hours' : `${d.daysAgo} days ago`}: ${percent(d.value)} completed`;
      return svg('circle', { cx: d.x, cy: d.y, r: 3.5, class: 'rate-dot', tabindex: 0, role: 'img', 'aria-label': label }, svg('title', {}, label));
    }),
    ...xAxis(g.xLabels, size.height - 3),
  );
  const figure = el('figure', { class: 'chart', 'data-testid': 'trend-figure' }, el('figcaption', { 'data-testid': 'trend-words' }, words), picture);
  return withReadout(figure, picture);
}

function anomalies(rows: StoredAnomaly[]): HTMLElement {
  if (rows.length === 0) return section('Open anomalies', 'anomalies', el('p', { class: 'muted' }, 'None: every skill behaves as usual.'));
  const value = (a: StoredAnomaly, v: number | null) => (v === null ? '–' : a.metric === 'duration' ? seconds(v) : percent(v));
  const items = rows.map((a) =>
    el(
      'li',
      { 'data-testid': 'anomaly' },
      el('strong', {}, a.skill_name),
      ` ${a.metric === 'duration' ? 'duration' : 'completion'} ${a.anomaly_type.replace('_', ' ')}: ${value(a, a.observed_value)} against a usual ${value(a, a.baseline_value)}`,
      el('span', { class: 'muted' }, ` · since ${new Date(a.detected_at).toLocaleString()}`),
    ),
  );
  return section('Open anomalies', 'anomalies', el('ul', {}, ...items));
}

function trends(rows: SkillTrend[]): HTMLElement {
  const title = 'Completion trends of the busiest skills (7 days)';
  if (rows.length === 0) return section(title, 'trends', el('p', { class: 'muted', 'data-testid': 'no-trend' }, 'No trend yet: trends appear once skills have run on a few different days.'));
  const items = rows.map((t) => el('li', { 'data-testid': 'trend', class: `trend ${t.trend}` }, el('strong', {}, t.skill_name), ` ${trendWords(t)}`));
  return section(title, 'trends', el('ul', {}, ...items));
}

function header(data: DashboardData): HTMLElement {
  const select = el('select', { 'data-testid': 'range', 'aria-label': 'Range' }, ...DASHBOARD_RANGES.map((d) => el('option', d === data.range.days ? { value: String(d), selected: '' } : { value: String(d) }, `last ${d} days`)));
  select.addEventListener('change', () => {
    const days = DASHBOARD_RANGES.find((d) => d === Number(select.value));
    if (days) host.postMessage({ type: 'range', days });
  });
  const totals = data.totals;
  const summary = `${plural(totals.invocations, 'run')} of ${plural(totals.skills, 'skill')}, ${percent(totals.completionRate)} completed, ${seconds(totals.timeSpentSeconds)} spent · updated ${new Date(data.generatedAt).toLocaleTimeString()}`;
  return el('div', { class: 'header' }, el('p', { class: 'summary', 'data-testid': 'summary' }, summary), el('label', { class: 'pick' }, 'Range ', select));
}

function render(state: DashboardState): void {
  const view = el('main', { 'data-testid': 'dashboard', 'aria-busy': state.status === 'loading' ? 'true' : 'false' }, el('h1', {}, 'Session Buddy'));
  if (state.status === 'loading') view.append(el('p', { role: 'status' }, 'Opening the skill store…'));
  else if (state.status === 'error') view.append(el('p', { class: 'error', role: 'alert' }, state.message));
  else {
    const d = state.data;
    if (d.demo) view.append(el('p', { class: 'demo', 'data-testid': 'demo-banner' }, 'Demo data: this history was generated to show the dashboard; it is not yours.'));
    view.append(header(d), timeline(d), topSkills(d.topSkills, d), agentVsHuman(d.agentVsHuman, d), perSkill(d.series, d), trendChart(d), anomalies(d.anomalies), trends(d.trends));
  }
  root.replaceChildren(view);
}

window.addEventListener('message', (event: MessageEvent<HostToDashboard>) => {
  if (event.data?.type === 'state') render(event.data.state);
});
render({ status: 'loading' });
host.postMessage({ type: 'ready' });
