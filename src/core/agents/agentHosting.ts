import crypto from 'node:crypto';
import http from 'node:http';
import { PortKeeper, type PortState } from '../realtime/portKeeper';
import type { CommandLineRecogniser } from '../tracking/taskSkill';
import { AgentRunRecorder, type AgentRecordingTarget } from './agentRecorder';
import { IDENTITY_PATH, identityProof, OtlpReceiver } from './otlpReceiver';

/**
 * What an editor window needs to receive agents' telemetry, loaded with a dynamic import when the
 * setting is first on. Like the real-time server, one window holds the port and the others stand
 * by to take over when it closes.
 */
export { mirrorToken, tokenFilePath } from '../realtime/token';

/**
 * The environment that makes Claude Code (and any OpenTelemetry SDK) export its events to the
 * receiver: logs (and traces, for agents that emit GenAI spans) over OTLP/HTTP protobuf, with the
 * bearer token when one is required. Only the signals the receiver reads are pointed at it, through
 * the per-signal variables: a user's own OTEL_EXPORTER_OTLP_ENDPOINT keeps receiving everything else
 * (metrics above all, which the receiver would refuse). Tool details are on because only they name
 * the skill of a Skill call and the server of an MCP call; the receiver reads them in memory and
 * stores none of them.
 */
export function agentTelemetryEnvironment(endpoint: string, token: string | null): Record<string, string> {
  const environment: Record<string, string> = { CLAUDE_CODE_ENABLE_TELEMETRY: '1', OTEL_LOGS_EXPORTER: 'otlp', OTEL_LOG_TOOL_DETAILS: '1' };
  for (const [signal, path] of [['LOGS', 'logs'], ['TRACES', 'traces']] as const) {
    environment[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`] = `${endpoint}/v1/${path}`;
    environment[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] = 'http/protobuf';
    if (token) environment[`OTEL_EXPORTER_OTLP_${signal}_HEADERS`] = `Authorization=Bearer ${token}`;
  }
  return environment;
}

/** How long the holder of the port may take to prove itself. */
const PROOF_TIMEOUT_MS = 2000;

/**
 * Whether whoever listens at `endpoint` is a Session Buddy receiver holding `token`: asked with a
 * random nonce, it must answer the nonce's HMAC under the token. The token itself is never sent.
 */
export async function holderHasToken(endpoint: string, token: string): Promise<boolean> {
  const nonce = crypto.randomBytes(16).toString('hex');
  const body = await new Promise<string | undefined>((resolve) => {
    const req = http.get(`${endpoint}${IDENTITY_PATH}?nonce=${nonce}`, { timeout: PROOF_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text = (text + chunk).slice(0, 1000)));
      res.on('end', () => resolve(res.statusCode === 200 ? text : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
  const proof = proofIn(body);
  const expected = Buffer.from(identityProof(token, nonce, Number(new URL(endpoint).port)));
  return proof !== undefined && proof.length === expected.length && crypto.timingSafeEqual(proof, expected);
}

function proofIn(body: string | undefined): Buffer | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as unknown;
    const proof = parsed !== null && typeof parsed === 'object' ? (parsed as { proof?: unknown }).proof : undefined;
    return typeof proof === 'string' ? Buffer.from(proof) : undefined;
  } catch {
    return undefined;
  }
}

export interface AgentHostingConfig {
  /** The address to bind (the receiver's loopback default when not given). */
  host?: string;
  port: number;
  token: string | null;
  allowedOrigins?: readonly string[];
  retryMs: number;
  /** The terminal's rules for a Bash call's command line (the built-in ones when not given). */
  recognise?: CommandLineRecogniser;
  mayRecord: () => boolean;
}

export class AgentHosting {
  private readonly keeper: PortKeeper<OtlpReceiver>;

  constructor(target: AgentRecordingTarget, config: AgentHostingConfig, events: { onState(state: PortState, endpoint: string | undefined): void; onLog(message: string): void }) {
    const recorder = new AgentRunRecorder(target);
    this.keeper = new PortKeeper(
      () => new OtlpReceiver(recorder, { host: config.host, port: config.port, token: config.token, allowedOrigins: config.allowedOrigins, recognise: config.recognise, mayRecord: config.mayRecord, onLog: events.onLog }),
      { retryMs: config.retryMs, onState: (state, receiver) => events.onState(state, state.kind === 'hosting' ? receiver?.endpoint : undefined) },
    );
  }

  start(): Promise<PortState> {
    return this.keeper.start();
  }

  stop(): Promise<void> {
    return this.keeper.stop();
  }
}
