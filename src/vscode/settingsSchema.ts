/**
 * Every setting the extension contributes, with the manifest's default, and the one function that
 * turns raw values into the typed `Settings` every adapter reads. No vscode import:
 * test/unit/contributions.test.ts checks the table against package.json and that every key is read.
 */
import type { DayBoundary } from '../core/days';

export const SECTION = 'sessionBuddy';

export const SETTING_DEFAULTS = {
  databasePath: '',
  userId: '',
  'tracking.enabled': true,
  'tracking.tasks': true,
  'tracking.terminal': true,
  'tracking.debug': true,
  trackUnknownCommands: false,
  skillRules: [] as unknown[],
  sessionIdleMinutes: 30,
  'statusBar.enabled': true,
  dayBoundary: 'local',
  'alerts.notify': true,
  retentionDays: 365,
  'storeHost.enabled': true,
  'realtime.enabled': false,
  'realtime.host': '127.0.0.1',
  'realtime.port': 8765,
  'realtime.updateInterval': 1,
  'realtime.requireToken': true,
  'realtime.allowedOrigins': [] as string[],
  'realtime.maxClients': 100,
  'prometheus.enabled': true,
  'prometheus.port': 9090,
  'prometheus.requireToken': true,
  'mcpServer.enabled': false,
  'team.url': '',
  'team.share': false,
  'agents.enabled': false,
  'agents.port': 4318,
  'agents.requireToken': true,
};

export type SettingKey = keyof typeof SETTING_DEFAULTS;
/** A key, or the group of keys before its first dot ("realtime"), for change events. */
export type SettingScope = SettingKey | (SettingKey extends infer K ? (K extends `${infer Group}.${string}` ? Group : never) : never);

export interface RealtimeSettings {
  enabled: boolean;
  host: string;
  port: number;
  intervalMs: number;
  requireToken: boolean;
  allowedOrigins: string[];
  maxClients: number;
  metricsEnabled: boolean;
  metricsPort: number;
  metricsRequireToken: boolean;
}

/** The OTLP receiver for AI agents' telemetry (always on 127.0.0.1). */
export interface AgentSettings {
  enabled: boolean;
  port: number;
  requireToken: boolean;
}

export interface Settings {
  databasePath: string;
  userId: string;
  /** false pauses every tracker, the explicit command and the API included. */
  trackingEnabled: boolean;
  trackTasks: boolean;
  trackTerminal: boolean;
  trackDebug: boolean;
  trackUnknownCommands: boolean;
  /** Raw value of sessionBuddy.skillRules; validated where it is used. */
  skillRules: unknown;
  sessionIdleMinutes: number;
  statusBarEnabled: boolean;
  retentionDays: number;
  /** Hand the background jobs to the store host (one process per machine) instead of running them in a window. */
  storeHostEnabled: boolean;
  /** Whether "today" and the dashboard's days are the user's local days or UTC days. */
  dayBoundary: DayBoundary;
  /** Say once when a skill starts failing or slowing down (alerts.ts). */
  notifyAlerts: boolean;
  realtime: RealtimeSettings;
  mcpServerEnabled: boolean;
  team: TeamSettings;
  agents: AgentSettings;
}

export interface TeamSettings {
  /** postgresql://member@host/db, without a password. */
  url: string;
  /** Sharing is off until the user turns it on, even with a URL. */
  share: boolean;
}

/** The raw value of a key as the editor has it (the default when the user set none). */
export type ReadSetting = (key: SettingKey) => unknown;

/** Typed settings; a value of the wrong type (hand-edited settings.json) falls back to the default. */
export function parseSettings(read: ReadSetting): Settings {
  const bool = (key: SettingKey) => typed(read, key, (v): v is boolean => typeof v === 'boolean');
  const text = (key: SettingKey) => typed(read, key, (v): v is string => typeof v === 'string').trim();
  const num = (key: SettingKey) => typed(read, key, (v): v is number => typeof v === 'number' && Number.isFinite(v));
  return {
    databasePath: text('databasePath'),
    userId: text('userId'),
    trackingEnabled: bool('tracking.enabled'),
    trackTasks: bool('tracking.tasks'),
    trackTerminal: bool('tracking.terminal'),
    trackDebug: bool('tracking.debug'),
    trackUnknownCommands: bool('trackUnknownCommands'),
    skillRules: read('skillRules'),
    sessionIdleMinutes: Math.max(1, num('sessionIdleMinutes')),
    statusBarEnabled: bool('statusBar.enabled'),
    retentionDays: Math.max(1, Math.round(num('retentionDays'))),
    storeHostEnabled: bool('storeHost.enabled'),
    dayBoundary: read('dayBoundary') === 'utc' ? 'utc' : 'local',
    notifyAlerts: bool('alerts.notify'),
    realtime: {
      enabled: bool('realtime.enabled'),
      host: text('realtime.host') || SETTING_DEFAULTS['realtime.host'],
      port: num('realtime.port'),
      intervalMs: Math.round(Math.max(0.1, num('realtime.updateInterval')) * 1000),
      requireToken: bool('realtime.requireToken'),
      allowedOrigins: typed(read, 'realtime.allowedOrigins', (v): v is string[] => Array.isArray(v) && v.every((o) => typeof o === 'string')),
      maxClients: Math.max(1, Math.round(num('realtime.maxClients'))),
      metricsEnabled: bool('prometheus.enabled'),
      metricsPort: num('prometheus.port'),
      metricsRequireToken: bool('prometheus.requireToken'),
    },
    mcpServerEnabled: bool('mcpServer.enabled'),
    team: { url: text('team.url'), share: bool('team.share') },
    agents: {
      enabled: bool('agents.enabled'),
      port: validPort(num('agents.port'), SETTING_DEFAULTS['agents.port']),
      requireToken: bool('agents.requireToken'),
    },
  };
}

/** A port the editor can tell terminals about: 1..65535 (0, "any free port", would differ per window). */
function validPort(value: number, fallback: number): number {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? value : fallback;
}

function typed<T>(read: ReadSetting, key: SettingKey, is: (value: unknown) => value is T): T {
  const value = read(key);
  return is(value) ? value : (SETTING_DEFAULTS[key] as T);
}
