import type { StoredAnomaly } from '../../core/analytics/anomalies';
import type { SkillTrend } from '../../core/analytics/trend';
import type { DashboardData, SkillSeries, TopSkillRow } from '../../core/dashboard/dashboardData';
import { chartGeometry } from '../chartGeometry';
import { count, el, percent, svg } from '../dom';
import type { DashboardState, DashboardToHost, HostToDashboard } from '../protocol';
import { hostApi } from '../vscodeApi';

const host = hostApi<DashboardToHost>();
const root = document.getElementById('root')!;

function seconds(value: number | null): string {
  return value === null ? '–' : value < 10 ? `${value.toFixed(1)} s` : `${Math.round(value)} s`;
}

function section(title: string, testid: string, ...content: Node[]): HTMLElement {
  const id = `h-${testid}`;
  return el('section', { 'data-testid': testid, 'aria-labelledby': id }, el('h2', { id }, title), ...content);
}

function topSkills(rows: TopSkillRow[]): HTMLElement {
  if (rows.length === 0) return section('Top skills', 'top-skills', el('p', { class: 'muted' }, 'No skills recorded yet.'));
  const columns: [string, string | undefined][] = [['Skill', undefined], ['Runs', 'num'], ['Completed', 'num'], ['Avg duration', 'num'], ['Last run', undefined]];
  const head = el('tr', {}, ...columns.map(([h, cls]) => el('th', { scope: 'col', class: cls }, h)));
  const body = rows.map((r) =>
    el(
      'tr',
      { 'data-testid': 'top-skill-row' },
      el('th', { scope: 'row' }, r.skill),
      el('td', { class: 'num' }, String(r.invocations)),
      el('td', { class: 'num' }, percent(r.completionRate)),
      el('td', { class: 'num' }, seconds(r.avgDurationSeconds)),
      el('td', {}, r.lastInvoked ? new Date(r.lastInvoked).toLocaleString() : '–'),
    ),
  );
  return section('Top skills', 'top-skills', el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)));
}

function chart(series: SkillSeries): HTMLElement {
  const g = chartGeometry(series.days);
  const plot = g.size.height - g.size.axis;
  const first = series.days[0]?.date ?? '';
  const last = series.days.at(-1)?.date ?? '';
  const runs = series.days.reduce((n, d) => n + d.invocations, 0);
  const label = `${series.skill}: ${count(runs, 'run', 'runs')} from ${first} to ${last}; bars are runs per day (most ${g.maxInvocations}), the line is the share completed`;
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${g.size.width} ${g.size.height}`, role: 'img', 'aria-label': label, class: 'chart-svg' },
    svg('line', { x1: 0, y1: plot, x2: g.size.width, y2: plot, class: 'axis' }),
    ...g.bars.map((b) => svg('rect', { x: b.x, y: b.y, width: b.width, height: b.height, class: 'bar' }, svg('title', {}, `${b.point.date}: ${count(b.point.invocations, 'run', 'runs')}, ${percent(b.point.completionRate)} completed`))),
    ...g.lines.map((points) => svg('polyline', { points, class: 'rate' })),
    ...g.dots.map((d) => svg('circle', { cx: d.x, cy: d.y, r: 2, class: 'rate-dot' })),
    svg('text', { x: 0, y: g.size.height - 2, class: 'tick' }, first.slice(5)),
    svg('text', { x: g.size.width, y: g.size.height - 2, class: 'tick end' }, last.slice(5)),
  );
  return el('figure', { 'data-testid': 'chart', class: 'chart' }, el('figcaption', {}, series.skill), picture);
}

function charts(series: SkillSeries[]): HTMLElement {
  const legend = el('p', { class: 'legend muted' }, el('span', { class: 'swatch bar' }), 'runs per day ', el('span', { class: 'swatch rate' }), 'share completed (0–100%)');
  if (series.length === 0) return section('Last 14 days', 'charts', el('p', { class: 'muted' }, 'No runs in the last 14 days.'));
  return section('Last 14 days', 'charts', legend, el('div', { class: 'charts' }, ...series.map(chart)));
}

function metricValue(metric: StoredAnomaly['metric'], value: number | null): string {
  if (value === null) return '–';
  return metric === 'duration' ? seconds(value) : percent(value);
}

function anomalies(rows: StoredAnomaly[]): HTMLElement {
  if (rows.length === 0) return section('Open anomalies', 'anomalies', el('p', { class: 'muted' }, 'None: every skill behaves as usual.'));
  const items = rows.map((a) => {
    const what = a.metric === 'duration' ? 'duration' : 'completion';
    return el(
      'li',
      { 'data-testid': 'anomaly' },
      el('strong', {}, a.skill_name),
      ` ${what} ${a.anomaly_type.replace('_', ' ')}: ${metricValue(a.metric, a.observed_value)} against a usual ${metricValue(a.metric, a.baseline_value)}`,
      el('span', { class: 'muted' }, ` · since ${new Date(a.detected_at).toLocaleString()}`),
    );
  });
  return section('Open anomalies', 'anomalies', el('ul', {}, ...items));
}

const TREND_WORDS: Record<SkillTrend['trend'], string> = {
  improving: '↗ improving',
  declining: '↘ declining',
  stable: '→ stable',
  insufficient_data: 'no trend yet (fewer than 3 days with runs)',
};

function trends(rows: SkillTrend[]): HTMLElement {
  const title = 'Completion trends (7 days)';
  if (rows.length === 0) {
    return section(title, 'trends', el('p', { class: 'muted', 'data-testid': 'no-trend' }, 'No trend yet: trends appear once skills have run on a few different days.'));
  }
  const items = rows.map((t) =>
    el(
      'li',
      { 'data-testid': 'trend', class: `trend ${t.trend}` },
      el('strong', {}, t.skill_name),
      ` ${TREND_WORDS[t.trend]}`,
      // Start and end values are shown only for a significant trend; for a stable one they are noise.
      (t.trend === 'improving' || t.trend === 'declining') && t.start_value !== null && t.end_value !== null ? ` (${percent(t.start_value)} → ${percent(t.end_value)})` : '',
    ),
  );
  return section(title, 'trends', el('ul', {}, ...items));
}

function summary(data: DashboardData): HTMLElement {
  return el(
    'p',
    { class: 'summary' },
    `${count(data.totals.invocations, 'run', 'runs')} of ${count(data.totals.skills, 'skill', 'skills')}, ${percent(data.totals.completionRate)} completed · updated ${new Date(data.generatedAt).toLocaleTimeString()}`,
  );
}

function render(state: DashboardState): void {
  const view = el('main', { 'data-testid': 'dashboard', 'aria-busy': state.status === 'loading' ? 'true' : 'false' }, el('h1', {}, 'Session Buddy'));
  if (state.status === 'loading') view.append(el('p', { role: 'status' }, 'Opening the skill store…'));
  else if (state.status === 'error') view.append(el('p', { class: 'error', role: 'alert' }, state.message));
  else {
    const d = state.data;
    view.append(summary(d), topSkills(d.topSkills), charts(d.series), anomalies(d.anomalies), trends(d.trends));
  }
  root.replaceChildren(view);
}

window.addEventListener('message', (event: MessageEvent<HostToDashboard>) => {
  if (event.data?.type === 'state') render(event.data.state);
});
render({ status: 'loading' });
host.postMessage({ type: 'ready' });
