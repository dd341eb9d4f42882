import type { SkillStore } from '../store/store';
import { PortKeeper, type PortState } from '../realtime/portKeeper';
import type { CommandLineRecogniser } from '../tracking/taskSkill';
import type { SkillTracker } from '../tracking/tracker';
import { AgentRunRecorder } from './agentRecorder';
import { OtlpReceiver } from './otlpReceiver';

/**
 * What an editor window needs to receive agents' telemetry, loaded with a dynamic import when the
 * setting is first on. Like the real-time server, one window holds the port and the others stand
 * by to take over when it closes.
 */
export { mirrorToken, tokenFilePath } from '../realtime/token';

/**
 * The environment that makes Claude Code (and any OpenTelemetry SDK) export its events to the
 * receiver: logs over OTLP/HTTP protobuf, with the bearer token when one is required. Tool details
 * are on because only they name the skill of a Skill call and the server of an MCP call; the
 * receiver reads them in memory and stores none of them.
 */
export function agentTelemetryEnvironment(endpoint: string, token: string | null): Record<string, string> {
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_LOG_TOOL_DETAILS: '1',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    ...(token ? { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}` } : {}),
  };
}

export interface AgentHostingConfig {
  port: number;
  token: string | null;
  retryMs: number;
  recognise: CommandLineRecogniser;
  mayRecord: () => boolean;
}

export class AgentHosting {
  private readonly keeper: PortKeeper<OtlpReceiver>;

  constructor(store: SkillStore, tracker: SkillTracker, config: AgentHostingConfig, events: { onState(state: PortState, endpoint: string | undefined): void; onLog(message: string): void }) {
    const recorder = new AgentRunRecorder(store, tracker);
    this.keeper = new PortKeeper(
      () => new OtlpReceiver(recorder, { port: config.port, token: config.token, recognise: config.recognise, mayRecord: config.mayRecord, onLog: events.onLog }),
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
