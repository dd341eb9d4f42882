/**
 * What a user should hear about without looking: a skill that started failing or slowing down. Each
 * episode is an Alert with a stable key; the editor shows an alert once (alertsToShow), remembers its
 * key (rememberShown) and shows nothing while the user has turned alerts off.
 *
 * Two kinds: open anomalies (the last hour unusual) and open regressions (a change point after which
 * a skill is slower or fails more often, still so: analytics/skillChanges.ts). A regression is said
 * once, when it is found, not every hour it lasts. Its change point may move a few runs when the
 * history is refitted, which would change a key made of its start; so it is also known by the start
 * of the segment before it (`aliases`), which a move of the change point leaves alone, while a new
 * change on top of it starts a new segment after it and is a new episode.
 */
import { getOpenAnomalies, type StoredAnomaly } from '../analytics/anomalies';
import type { SkillChange, SkillChangeReport } from '../analytics/skillChanges';
import type { Store } from '../store/storeInterface';
import { changeStartWords } from '../../shared/changeWords';
import { formatDuration, formatPercent } from '../../shared/words';
import type { Alert } from './alertMemory';
import { changeMark, regressionReport } from './changeMarks';

function measured(a: StoredAnomaly, value: number | null): string {
  return a.metric === 'duration' ? formatDuration(value) : formatPercent(value);
}

/** "ruff-check completes less often than usual: 0% of its recent runs against a usual 95%." */
export function anomalyMessage(a: StoredAnomaly): string {
  const figures = `${measured(a, a.observed_value)} against a usual ${measured(a, a.baseline_value)}`;
  if (a.metric === 'duration') {
    const direction = a.anomaly_type === 'spike' ? 'takes longer than usual' : 'finishes much sooner than usual';
    return `${a.skill_name} ${direction}: ${figures} in its recent runs.`;
  }
  const direction = a.anomaly_type === 'drop' ? 'completes less often than usual' : 'completes more often than usual';
  return `${a.skill_name} ${direction}: ${figures} of its recent runs.`;
}

export function anomalyAlert(a: StoredAnomaly): Alert {
  return { key: `anomaly:${a.id}`, kind: 'anomaly', skill: a.skill_name, message: anomalyMessage(a), since: a.detected_at };
}

/** "pytest-run: 1.6× slower (30 s → 48 s) since Tue, Mar 3, 2:02 PM (run 201)." */
export function regressionMessage(c: SkillChange, now: Date = new Date()): string {
  const mark = changeMark(c);
  return `${mark.skill}: ${mark.change} since ${changeStartWords(mark, now)}.`;
}

function regressionKey(skill: string, metric: string, start: string): string {
  return `regression:${skill}:${metric}:${start}`;
}

/** An open regression as an alert; `previousStart` is when the segment before it began. */
export function regressionAlert(c: SkillChange, previousStart: string | undefined, now: Date = new Date()): Alert {
  const aliases = previousStart === undefined ? [] : [regressionKey(c.skill_name, c.metric, `after:${previousStart}`)];
  return { key: regressionKey(c.skill_name, c.metric, c.started_at), aliases, kind: 'regression', skill: c.skill_name, message: regressionMessage(c, now), since: c.started_at };
}

/** The open regressions of a report as alerts. */
export function regressionAlerts(report: SkillChangeReport, now: Date = new Date()): Alert[] {
  return report.open_regressions.map((c) => {
    const previous = report.segments.find((s) => s.skill_name === c.skill_name && s.metric === c.metric && s.segment === c.segment - 1);
    return regressionAlert(c, previous?.started_at, now);
  });
}

/** Every open alert of the store, newest first. */
export function openAlerts(store: Store, now: Date = new Date()): Alert[] {
  const anomalies = getOpenAnomalies(store, { limit: 20 }).map(anomalyAlert);
  return [...anomalies, ...regressionAlerts(regressionReport(store, now), now)].sort((a, b) => b.since.localeCompare(a.since));
}
