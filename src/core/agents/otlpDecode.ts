import protobuf from 'protobufjs/light';
import descriptor from './otlpDescriptor.json';

/**
 * OTLP export requests and responses, read and written with protobuf.js from the official
 * OpenTelemetry protos (vendor/README.md; the descriptor is built by scripts/otlp-descriptor.mjs).
 * Both OTLP/HTTP encodings go through the same message types: binary protobuf is decoded, and
 * OTLP/JSON is converted with `fromObject` after its one deviation from protobuf's JSON mapping
 * (trace and span ids are hex, not base64). Only what the agent mapping reads leaves this module.
 */

export type OtlpEncoding = 'protobuf' | 'json';
export type OtlpSignal = 'logs' | 'traces';

/** A scalar attribute value; arrays, maps and bytes are of no use to the mapping and read as null. */
export type AttributeValue = string | number | boolean | null;
export type Attributes = ReadonlyMap<string, AttributeValue>;

export interface LogRecordView {
  eventName: string;
  body: AttributeValue;
  attributes: Attributes;
  resource: Attributes;
  /** When the record was made, 0n when the exporter left it unset. */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
}

export interface SpanView {
  name: string;
  /** Hex, as OTLP/JSON writes them; '' when absent. */
  traceId: string;
  spanId: string;
  startUnixNano: bigint;
  endUnixNano: bigint;
  /** Status.StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  attributes: Attributes;
  resource: Attributes;
}

/** A request body that is not a valid export request of its encoding; the message says what is wrong. */
export class OtlpDecodeError extends Error {}

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
const TYPES = {
  logsRequest: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  logsResponse: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
  tracesRequest: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  tracesResponse: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  status: root.lookupType('google.rpc.Status'),
};

/** The plain-object view of a decoded message: 64-bit integers as decimal strings, bytes as Uint8Array. */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, arrays: true };

interface RawKeyValue { key?: string; value?: RawAnyValue }
interface RawAnyValue { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number }
interface RawResource { attributes?: RawKeyValue[] }
interface RawLogRecord {
  eventName?: string;
  body?: RawAnyValue;
  attributes?: RawKeyValue[];
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
}
interface RawSpan {
  name?: string;
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  status?: { code?: number };
  attributes?: RawKeyValue[];
}
interface RawLogsRequest { resourceLogs?: { resource?: RawResource; scopeLogs?: { logRecords?: RawLogRecord[] }[] }[] }
interface RawTracesRequest { resourceSpans?: { resource?: RawResource; scopeSpans?: { spans?: RawSpan[] }[] }[] }

export function decodeLogs(body: Uint8Array, encoding: OtlpEncoding): LogRecordView[] {
  const request = decode(TYPES.logsRequest, body, encoding) as RawLogsRequest;
  return (request.resourceLogs ?? []).flatMap((resourceLogs) => {
    const resource = attributeMap(resourceLogs.resource?.attributes);
    return (resourceLogs.scopeLogs ?? []).flatMap((scope) =>
      (scope.logRecords ?? []).map((record): LogRecordView => ({
        eventName: record.eventName ?? '',
        body: scalar(record.body),
        attributes: attributeMap(record.attributes),
        resource,
        timeUnixNano: nanos(record.timeUnixNano),
        observedTimeUnixNano: nanos(record.observedTimeUnixNano),
      })),
    );
  });
}

export function decodeSpans(body: Uint8Array, encoding: OtlpEncoding): SpanView[] {
  const request = decode(TYPES.tracesRequest, body, encoding) as RawTracesRequest;
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span): SpanView => ({
        name: span.name ?? '',
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        startUnixNano: nanos(span.startTimeUnixNano),
        endUnixNano: nanos(span.endTimeUnixNano),
        statusCode: span.status?.code ?? 0,
        attributes: attributeMap(span.attributes),
        resource,
      })),
    );
  });
}

/**
 * ExportLogsServiceResponse / ExportTraceServiceResponse. With records refused, `partial_success`
 * says how many and why; a fully accepted request gets an empty response, as the spec asks.
 */
export function encodeExportResponse(signal: OtlpSignal, rejected: number, message: string, encoding: OtlpEncoding): Uint8Array {
  const partialSuccess = signal === 'logs' ? { rejectedLogRecords: rejected, errorMessage: message } : { rejectedSpans: rejected, errorMessage: message };
  const type = signal === 'logs' ? TYPES.logsResponse : TYPES.tracesResponse;
  return encode(type, rejected > 0 ? { partialSuccess } : {}, encoding);
}

/** The google.rpc.Status body of a refused request (code 3 is INVALID_ARGUMENT, 16 UNAUTHENTICATED...). */
export function encodeStatus(code: number, message: string, encoding: OtlpEncoding): Uint8Array {
  return encode(TYPES.status, { code, message }, encoding);
}

function encode(type: protobuf.Type, value: Record<string, unknown>, encoding: OtlpEncoding): Uint8Array {
  const message = type.fromObject(value);
  if (encoding === 'protobuf') return type.encode(message).finish();
  return Buffer.from(JSON.stringify(type.toObject(message, { longs: Number })));
}

function decode(type: protobuf.Type, body: Uint8Array, encoding: OtlpEncoding): unknown {
  let message: protobuf.Message;
  try {
    message = encoding === 'protobuf' ? type.decode(body) : type.fromObject(jsonRequest(body));
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw err;
    throw new OtlpDecodeError(`not a valid ${type.name} (${encoding}): ${(err as Error).message}`);
  }
  return type.toObject(message, TO_OBJECT);
}

function jsonRequest(body: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`the body is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OtlpDecodeError('the body must be a JSON object');
  return hexIdsToBase64(parsed) as Record<string, unknown>;
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** OTLP/JSON writes trace and span ids in hex, where protobuf's JSON mapping expects base64. */
function hexIdsToBase64(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIdsToBase64);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (ID_FIELDS.has(key) && typeof field === 'string') {
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(field)) throw new OtlpDecodeError(`${key} must be hex digits (got "${field.slice(0, 40)}")`);
      out[key] = Buffer.from(field, 'hex').toString('base64');
    } else {
      out[key] = hexIdsToBase64(field);
    }
  }
  return out;
}

function attributeMap(list: RawKeyValue[] | undefined): Map<string, AttributeValue> {
  const map = new Map<string, AttributeValue>();
  for (const { key, value } of list ?? []) if (key) map.set(key, scalar(value));
  return map;
}

function scalar(value: RawAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return null;
}

function nanos(value: string | undefined): bigint {
  if (value === undefined || !/^\d+$/.test(value)) return 0n;
  return BigInt(value);
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes).toString('hex') : '';
}
