import { SKILL_NAME_MAX, isSkillName } from '../validation';

/**
 * The real-time message protocol, in two dialects chosen by the WebSocket subprotocol:
 * - no subprotocol (the Python tool's own clients): exactly the anchor's messages — `metrics_update`
 *   carries `data.top_skills` with `skill_name`, `total_invocations`, `completion_rate` in percent
 *   (0..100) and `avg_duration_seconds` over all recorded runs (skill_metrics) for the 10 skills with
 *   the most runs, and `data.anomalies` with `skill_name`, `detected_at`, `anomaly_type`, `deviation_score`;
 * - `session-buddy.v1`: this project's shape — the sliding window's counts and rates 0..1.
 * Both share `connected`, `subscription_confirmed` (key `skill`) and `pong`; `error` is new: the
 * anchor logged bad input and said nothing.
 */
export const V1_SUBPROTOCOL = 'session-buddy.v1';

export type Dialect = 'anchor' | 'v1';

/** One entry of the anchor's top_skills: lifetime totals, completion rate in percent. */
export interface AnchorTopSkill {
  skill_name: string;
  total_invocations: number;
  /** Percent, 0..100, as the anchor's skill_metrics holds it. */
  completion_rate: number;
  avg_duration_seconds: number | null;
}

export interface AnchorAnomaly {
  skill_name: string;
  detected_at: string;
  anomaly_type: string;
  deviation_score: number | null;
}

export interface AnchorPayload {
  top_skills: AnchorTopSkill[];
  anomalies: AnchorAnomaly[];
}

export interface TopSkillEntry {
  skill_name: string;
  invocation_count: number;
  completed_count: number;
  /** 0..1 over the window. */
  completion_rate: number;
  avg_duration_seconds: number | null;
  last_invocation_at: string;
}

export interface AnomalyEntry {
  id: number;
  skill_name: string;
  detected_at: string;
  anomaly_type: string;
  metric: string;
  baseline_value: number | null;
  observed_value: number | null;
  deviation_score: number | null;
}

export interface MetricsPayload {
  top_skills: TopSkillEntry[];
  anomalies: AnomalyEntry[];
}

export type ErrorCode = 'invalid_json' | 'invalid_message' | 'unknown_type' | 'invalid_field' | 'server_error';

export type ServerMessage =
  | { type: 'connected'; message: string; authenticated: boolean; timestamp: string }
  | { type: 'metrics_update'; timestamp: string; skill: string | null; window_hours: number; data: MetricsPayload }
  | { type: 'metrics_update'; timestamp: string; data: AnchorPayload }
  | { type: 'subscription_confirmed'; skill: string | null; timestamp: string }
  | { type: 'pong'; timestamp: string }
  | { type: 'error'; code: ErrorCode; message: string; timestamp: string };

export type ClientMessage =
  | { type: 'subscribe'; skill: string | null }
  | { type: 'unsubscribe' }
  | { type: 'ping' }
  /** The anchor's handshake: the first message carries the token. */
  | { type: 'auth'; token: string };

export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

export const CLIENT_TYPES = ['subscribe', 'unsubscribe', 'ping'] as const;

/** Parses one client frame; never throws. */
export function parseClientMessage(text: string): ClientMessage | ProtocolError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { code: 'invalid_json', message: 'the message is not valid JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { code: 'invalid_message', message: 'a message must be a JSON object with a "type"' };
  }
  const record = value as Record<string, unknown>;
  if (record.type === undefined && 'token' in record) {
    return typeof record.token === 'string' ? { type: 'auth', token: record.token } : { code: 'invalid_field', message: '"token" must be a string' };
  }
  if (typeof record.type !== 'string') return { code: 'invalid_message', message: 'a message must have a string "type"' };
  switch (record.type) {
    case 'subscribe':
      return parseSubscribe(record);
    case 'unsubscribe':
      return { type: 'unsubscribe' };
    case 'ping':
      return { type: 'ping' };
    default:
      return { code: 'unknown_type', message: `unknown message type "${record.type.slice(0, 64)}" (expected one of: ${CLIENT_TYPES.join(', ')})` };
  }
}

function parseSubscribe(record: Record<string, unknown>): ClientMessage | ProtocolError {
  if ('skill_name' in record && !('skill' in record)) {
    return { code: 'invalid_field', message: 'use the key "skill" (not "skill_name") to subscribe to one skill' };
  }
  const skill = record.skill;
  if (skill === undefined || skill === null) return { type: 'subscribe', skill: null };
  if (typeof skill !== 'string') return { code: 'invalid_field', message: '"skill" must be a string or null' };
  if (!isSkillName(skill)) {
    return { code: 'invalid_field', message: `"skill" must be a skill name of 1 to ${SKILL_NAME_MAX} printable characters` };
  }
  return { type: 'subscribe', skill: skill.trim() };
}

export function isProtocolError(value: ClientMessage | ProtocolError): value is ProtocolError {
  return 'code' in value;
}
