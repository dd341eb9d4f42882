/**
 * What a user should hear about without looking: a skill that started failing or slowing down. Each
 * episode is an Alert with a stable key; the editor shows an alert once (alertsToShow), remembers its
 * key (rememberShown) and shows nothing while the user has turned alerts off.
 *
 * Open anomalies are alerts today. Another kind (a change-point regression, say) plugs in by giving
 * its episodes a kind, a key that stays the same while the episode is open, a sentence, and adding
 * them to openAlerts(): the deciding, the remembering and the notification are shared.
 */
import { getOpenAnomalies, type StoredAnomaly } from '../analytics/anomalies';
import type { Store } from '../store/storeInterface';
import { formatDuration, formatPercent, plural } from '../../shared/words';

export type AlertKind = 'anomaly' | 'regression';

export interface Alert {
  /** The same for one episode in every window and after a restart, e.g. "anomaly:12". */
  key: string;
  kind: AlertKind;
  skill: string;
  /** One sentence in the user's words: what changed, against what. */
  message: string;
  /** When it was noticed (canonical UTC); the newest comes first. */
  since: string;
}

/** What the editor keeps between notifications: the keys already shown. */
export interface AlertMemory {
  shown: readonly string[];
}

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

/** Every open alert of the store, newest first. */
export function openAlerts(store: Store): Alert[] {
  return getOpenAnomalies(store, { limit: 20 }).map(anomalyAlert).sort((a, b) => b.since.localeCompare(a.since));
}

/** The open alerts not shown yet, newest first. */
export function alertsToShow(open: readonly Alert[], memory: AlertMemory): Alert[] {
  const shown = new Set(memory.shown);
  return open.filter((a) => !shown.has(a.key));
}

/**
 * The memory after showing `shown`: the keys of alerts still open, so it stays as small as the open
 * list (a closed episode's key is never reused: a new episode gets a new key).
 */
export function rememberShown(memory: AlertMemory, shown: readonly Alert[], open: readonly Alert[]): AlertMemory {
  const keys = new Set([...memory.shown, ...shown.map((a) => a.key)]);
  return { shown: open.map((a) => a.key).filter((key) => keys.has(key)) };
}

/** The notification's one line: the newest alert, and how many more there are. */
export function alertSummary(alerts: readonly Alert[]): string {
  const [first, ...rest] = alerts;
  if (!first) return '';
  return rest.length ? `${first.message} (and ${plural(rest.length, 'more alert')})` : first.message;
}
