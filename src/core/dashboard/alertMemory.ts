/**
 * Which alerts a window shows: each episode once (alertsToShow), remembered by its keys
 * (rememberShown), said in one line (alertSummary). Kept apart from finding the alerts
 * (alerts.ts) so that a window served by the store host decides without loading the analytics.
 */
import { plural } from '../../shared/words';

export type AlertKind = 'anomaly' | 'regression';

export interface Alert {
  /** The same for one episode in every window and after a restart, e.g. "anomaly:12". */
  key: string;
  /** Other keys the same episode is known by: one of them shown is the episode shown. */
  aliases?: readonly string[];
  kind: AlertKind;
  skill: string;
  /** One sentence in the user's words: what changed, against what. */
  message: string;
  /** When it began (canonical UTC; an anomaly's when it was noticed); the newest comes first. */
  since: string;
}

/** What the editor keeps between notifications: the keys already shown. */
export interface AlertMemory {
  shown: readonly string[];
}

function keysOf(a: Alert): readonly string[] {
  return a.aliases?.length ? [a.key, ...a.aliases] : [a.key];
}

/** The open alerts not shown yet, newest first. */
export function alertsToShow(open: readonly Alert[], memory: AlertMemory): Alert[] {
  const shown = new Set(memory.shown);
  return open.filter((a) => !keysOf(a).some((key) => shown.has(key)));
}

/**
 * The memory after showing `shown`: the keys of alerts still open, so it stays as small as the open
 * list (a closed episode's key is never reused: a new episode gets a new key). An alert known by any
 * remembered key keeps all its current keys, so a moved change point stays shown.
 */
export function rememberShown(memory: AlertMemory, shown: readonly Alert[], open: readonly Alert[]): AlertMemory {
  const keys = new Set([...memory.shown, ...shown.flatMap(keysOf)]);
  return { shown: open.filter((a) => keysOf(a).some((key) => keys.has(key))).flatMap(keysOf) };
}

/** The notification's one line: the newest alert, and how many more there are. */
export function alertSummary(alerts: readonly Alert[]): string {
  const [first, ...rest] = alerts;
  if (!first) return '';
  return rest.length ? `${first.message} (and ${plural(rest.length, 'more alert')})` : first.message;
}
