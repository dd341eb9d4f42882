import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import type { ZodType } from 'zod';

/** A request line longer than this is refused (and skipped up to its newline); the server keeps serving. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** The shapes of the requests this server answers, checked here so that a bad one gets -32602 in one line. */
const REQUEST_SHAPES: Record<string, ZodType> = {
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema,
  'tools/list': ListToolsRequestSchema,
  'tools/call': CallToolRequestSchema,
};

type Id = string | number | null;

function errorReply(id: Id, code: number, message: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage;
}

function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`.replace(/\s+/g, ' ') : 'invalid';
}

function idOf(value: unknown): Id {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/**
 * MCP over newline-delimited JSON on stdin/stdout, answering every bad line as JSON-RPC says instead
 * of going silent or exiting: a line that is not JSON gets -32700, one that is not a JSON-RPC
 * message -32600, one over MAX_REQUEST_BYTES -32600 (the rest of it is skipped), and a request whose
 * parameters have the wrong shape -32602 with a one-line reason.
 */
export class JsonLineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private skipping = false;
  private closed = false;

  constructor(private readonly input: Readable = process.stdin, private readonly output: Writable = process.stdout) {}

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('error', this.onInputError);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    const text = `${JSON.stringify(message)}\n`;
    if (!this.output.write(text)) await new Promise<void>((resolve) => this.output.once('drain', resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onInputError);
    this.chunks = [];
    this.onclose?.();
  }

  private readonly onEnd = () => void this.close();
  private readonly onInputError = (err: Error) => this.onerror?.(err);

  private readonly onData = (chunk: Buffer) => {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      this.take(chunk.subarray(start, newline));
      const line = Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, '');
      const wasSkipping = this.skipping;
      this.chunks = [];
      this.buffered = 0;
      this.skipping = false;
      if (!wasSkipping) this.handleLine(line);
      start = newline + 1;
    }
    this.take(chunk.subarray(start));
  };

  /** Buffers part of a line, or starts skipping it once it is too long (answering once). */
  private take(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    if (this.buffered + part.length > MAX_REQUEST_BYTES) {
      this.skipping = true;
      this.chunks = [];
      this.buffered = 0;
      void this.send(errorReply(null, ErrorCode.InvalidRequest, `Invalid Request: a message over ${MAX_REQUEST_BYTES} bytes was refused`));
      return;
    }
    this.chunks.push(part);
    this.buffered += part.length;
  }

  private handleLine(line: string): void {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      void this.send(errorReply(null, ErrorCode.ParseError, `Parse error: ${(err as Error).message}`));
      return;
    }
    const message = JSONRPCMessageSchema.safeParse(value);
    if (!message.success) {
      void this.send(errorReply(idOf(value), ErrorCode.InvalidRequest, `Invalid Request: not a JSON-RPC 2.0 message (${firstIssue(message.error)})`));
      return;
    }
    const method = (message.data as { method?: unknown }).method;
    const shape = typeof method === 'string' && 'id' in message.data ? REQUEST_SHAPES[method] : undefined;
    const checked = shape?.safeParse(value);
    if (checked && !checked.success) {
      void this.send(errorReply(idOf(value), ErrorCode.InvalidParams, `Invalid params for ${method}: ${firstIssue(checked.error)}`));
      return;
    }
    this.onmessage?.(message.data);
  }
}
