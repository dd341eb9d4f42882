import http from 'node:http';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

/**
 * The OpenTelemetry JS SDK as an agent uses it: records are made by a LoggerProvider / TracerProvider
 * and sent by the SDK's own OTLP exporters, so the receiver is tested against real client bytes.
 */

/** A Claude Code `claude_code.tool_result` event, as its Monitoring documentation describes it. */
export interface ToolResultEvent {
  sessionId: string;
  toolName: string;
  success: boolean;
  durationMs: number;
  toolUseId?: string;
  /** The JSON-string `tool_parameters` attribute. */
  parameters?: Record<string, unknown>;
  error?: string;
  /** When the call ended. */
  at?: Date;
}

/** Other Claude Code events in the same batch, which must be ignored. */
export interface OtherEvent {
  name: string;
  attributes: Record<string, string | number>;
}

export async function claudeCodeRecords(events: readonly (ToolResultEvent | OtherEvent)[]): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'claude-code', 'service.version': '2.1.0' }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger('com.anthropic.claude_code.events', '2.1.0');
  for (const event of events) {
    if ('toolName' in event) {
      const attributes: Record<string, string | number> = {
        'session.id': event.sessionId,
        'event.name': 'tool_result',
        'event.timestamp': (event.at ?? new Date()).toISOString(),
        tool_name: event.toolName,
        success: String(event.success),
        duration_ms: event.durationMs,
        decision_type: 'accept',
        decision_source: 'config',
      };
      if (event.toolUseId) attributes.tool_use_id = event.toolUseId;
      if (event.parameters) attributes.tool_parameters = JSON.stringify(event.parameters);
      if (event.error) attributes.error = event.error;
      logger.emit({ eventName: 'claude_code.tool_result', body: 'claude_code.tool_result', timestamp: event.at ?? new Date(), attributes });
    } else {
      logger.emit({ eventName: event.name, body: event.name, attributes: event.attributes });
    }
  }
  await provider.forceFlush();
  return memory.getFinishedLogRecords();
}

/** A GenAI `execute_tool {gen_ai.tool.name}` span. */
export interface ToolSpan {
  conversationId: string;
  toolName: string;
  callId?: string;
  failed?: boolean;
  durationMs: number;
  arguments?: Record<string, unknown>;
}

export async function executeToolSpans(spans: readonly ToolSpan[]): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'some-agent' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('agent');
  const end = Date.now();
  for (const spec of spans) {
    const attributes: Record<string, string> = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': spec.toolName, 'gen_ai.conversation.id': spec.conversationId };
    if (spec.callId) attributes['gen_ai.tool.call.id'] = spec.callId;
    if (spec.arguments) attributes['gen_ai.tool.call.arguments'] = JSON.stringify(spec.arguments);
    const span = tracer.startSpan(`execute_tool ${spec.toolName}`, { attributes, startTime: end - spec.durationMs });
    if (spec.failed) span.setStatus({ code: 2, message: 'tool failed' });
    span.end(end);
  }
  await provider.forceFlush();
  return memory.getFinishedSpans();
}

export type LogProtocol = 'json' | 'protobuf';

export interface ExportOutcome {
  ok: boolean;
  error?: string;
}

export function exportLogs(endpoint: string, token: string | undefined, protocol: LogProtocol, records: ReadableLogRecord[]): Promise<ExportOutcome> {
  const config = { url: `${endpoint}/v1/logs`, headers: bearer(token) };
  const exporter = protocol === 'json' ? new JsonLogExporter(config) : new ProtoLogExporter(config);
  return new Promise((resolve) => exporter.export(records, (result) => resolve({ ok: result.code === 0, error: result.error?.message })));
}

/** An exporter configured by nothing but the OTEL_* environment, as an agent's SDK is. */
export function exportLogsFromEnvironment(records: ReadableLogRecord[]): Promise<ExportOutcome> {
  const exporter = new ProtoLogExporter();
  return new Promise((resolve) => exporter.export(records, (result) => resolve({ ok: result.code === 0, error: result.error?.message })));
}

export function exportSpans(endpoint: string, token: string | undefined, spans: ReadableSpan[]): Promise<ExportOutcome> {
  const exporter = new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, headers: bearer(token) });
  return new Promise((resolve) => exporter.export(spans, (result) => resolve({ ok: result.code === 0, error: result.error?.message })));
}

function bearer(token: string | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request as a hostile or broken client sends it, byte for byte. */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    // A server that refuses early may close before the whole body is written.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(options.body);
  });
}
