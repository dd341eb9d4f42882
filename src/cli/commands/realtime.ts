import { InvalidArgumentError, type Command } from 'commander';
import { version } from '../../../package.json';
import { AgentRunRecorder, storeRecordingTarget } from '../../core/agents/agentRecorder';
import { OTLP_DEFAULTS, OtlpReceiver } from '../../core/agents/otlpReceiver';
import { resolveDatabasePath } from '../../core/store/paths';
import type { SkillStore } from '../../core/store/store';
import { dailySessionId } from '../../core/integrations/sessions';
import { StoreMetricsSource } from '../../core/realtime/metricsFeed';
import { PrometheusExporter, EXPORTER_DEFAULTS } from '../../core/realtime/prometheusExporter';
import { isLoopbackHost, normaliseOrigin } from '../../core/realtime/requestGuards';
import { loadOrCreateToken, tokenFilePath } from '../../core/realtime/token';
import { REALTIME_DEFAULTS, RealtimeServer } from '../../core/realtime/websocketServer';
import { AGENT_TOOLS, UnknownToolError, findTool, runTool } from '../../core/tools/agentTools';
import type { AgentTool, ToolResult } from '../../core/tools/tool';
import { serveMcpOverStdio } from '../../core/tools/mcpServer';
import { ToolArgumentError } from '../../core/tools/schema';
import { ToolSession, toolContext } from '../../core/tools/toolSession';
import { resolveUserId } from '../../core/tracking/identity';
import { SkillTracker } from '../../core/tracking/tracker';
import type { CliContext } from '../context';
import { numberOption } from '../options';
import { untilStopRequested } from '../signals';
import { HostedToolCalls } from '../hostedToolCalls';
import { serveViaHost, type HostedServeOptions } from '../hostedServe';

/** Anomaly detection runs this often while `serve` has clients, so `data.anomalies` stays current. */
const ANOMALY_CHECK_MS = 5 * 60_000;

function portOption(name: string): (value: string) => number {
  return numberOption(name, { integer: true, min: 0, max: 65535, expected: 'a port number 0-65535 (0: any free port)' });
}

function collectOrigin(value: string, previous: string[]): string[] {
  try {
    return [...previous, normaliseOrigin(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

interface ServeOptions {
  port: number;
  metricsPort: number;
  metrics: boolean;
  host: string;
  auth: boolean;
  metricsAuth: boolean;
  interval: number;
  allowOrigin: string[];
  maxClients: number;
  otlpPort?: number;
  otlpAuth: boolean;
}

/** `serve`, `mcp` and `tool`: the real-time servers and the agent tools. */
export function registerRealtimeCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve real-time metrics over WebSocket, and Prometheus /metrics, until Ctrl+C')
    .option('--port <n>', 'WebSocket port (0: any free port)', portOption('--port'), REALTIME_DEFAULTS.port)
    .option('--metrics-port <n>', 'Prometheus port (0: any free port)', portOption('--metrics-port'), EXPORTER_DEFAULTS.port)
    .option('--no-metrics', 'do not serve Prometheus /metrics')
    .option('--host <address>', 'address to bind', REALTIME_DEFAULTS.host)
    .option('--no-auth', 'accept WebSocket clients without the token (only with a loopback --host)')
    .option('--no-metrics-auth', 'serve /metrics without the token (only with a loopback --host)')
    .option('--interval <seconds>', 'seconds between metrics updates', numberOption('--interval', { exclusiveMin: 0 }), REALTIME_DEFAULTS.intervalMs / 1000)
    .option('--allow-origin <origin>', 'a browser origin allowed to connect, e.g. http://localhost:3000 (repeatable)', collectOrigin, [])
    .option('--max-clients <n>', 'most WebSocket clients at once', numberOption('--max-clients', { integer: true, min: 1 }), REALTIME_DEFAULTS.maxClients)
    .option('--otlp-port <n>', `also receive AI agents' OpenTelemetry (OTLP/HTTP) on this port, e.g. ${OTLP_DEFAULTS.port} (0: any free port)`, portOption('--otlp-port'))
    .option('--no-otlp-auth', 'accept OTLP exports without the token (only with a loopback --host)')
    .action(async (opts: ServeOptions, command: Command) => {
      if (!opts.auth && !isLoopbackHost(opts.host)) usageError(command, `--no-auth is refused with --host ${opts.host}: without a token, bind a loopback address only`);
      if (!opts.metricsAuth && !isLoopbackHost(opts.host)) usageError(command, `--no-metrics-auth is refused with --host ${opts.host}: without a token, bind a loopback address only`);
      if (!opts.otlpAuth && !isLoopbackHost(opts.host)) usageError(command, `--no-otlp-auth is refused with --host ${opts.host}: without a token, bind a loopback address only`);
      const tokenFile = tokenFilePath(resolveDatabasePath(ctx.dbPath()));
      const otlpNeedsToken = opts.otlpPort !== undefined && opts.otlpAuth;
      const token = opts.auth || (opts.metrics && opts.metricsAuth) || otlpNeedsToken ? loadOrCreateToken(tokenFile) : null;
      if (await serveViaHost(ctx, hostedServe(opts, token, tokenFile, ctx))) return;
      await ctx.withStore('work', (store) => serve(store, opts, token, tokenFile, ctx));
    });

  program
    .command('mcp')
    .description('run the agent tools as an MCP server on stdin/stdout (for MCP clients; logs go to stderr)')
    .action(async () => {
      const userId = resolveUserId();
      const info = { name: 'session-buddy', version };
      // A running host (or one started when asked) answers; with none, the first call opens the store here (HostedToolCalls).
      if (ctx.hostUse() !== 'off') {
        const calls = new HostedToolCalls(ctx, userId);
        try {
          await serveMcpOverStdio(calls.call, info, untilStopRequested());
        } finally {
          await calls.close();
        }
        return;
      }
      await ctx.withStore('work', async (store) => {
        const session = new ToolSession(store, userId, { source: 'mcp' });
        await serveMcpOverStdio((name, args) => runTool(toolContext(store, userId, session), name, args), info, untilStopRequested());
        await session.end();
      });
    });

  program
    .command('tool')
    .description('run one agent tool and print its JSON answer (without a name: list the tools)')
    .argument('[name]', `tool name: ${AGENT_TOOLS.map((t) => t.name).join(', ')}`)
    .option('--args <json>', 'the arguments as a JSON object', '{}')
    .action(async (name: string | undefined, opts: { args: string }, command: Command) => {
      if (name === undefined) {
        ctx.io.out(ctx.json({ tools: AGENT_TOOLS.map((t) => ({ name: t.name, description: t.description, writes: t.writes, inputSchema: t.inputSchema })) }));
        return;
      }
      let args: unknown;
      try {
        args = JSON.parse(opts.args);
      } catch {
        usageError(command, `--args is not valid JSON: ${opts.args.slice(0, 200)}`);
      }
      const result = (await askHost(ctx, command, name, args)) ?? (await ctx.withStore('work', async (store) => {
        const userId = resolveUserId();
        const session = new ToolSession(store, userId, { source: 'cli', sessionId: dailySessionId('cli') });
        try {
          return await runTool(toolContext(store, userId, session), name, args);
        } catch (err) {
          if (err instanceof UnknownToolError || err instanceof ToolArgumentError) usageError(command, err.message);
          throw err;
        }
      }));
      ctx.io.out(ctx.json(result));
      if (!result.success) throw new Error(result.message);
    });
}

/**
 * A tool that only reads (or refreshes derived rows) is answered by the store host when it is on;
 * one that records runs always runs here, in this process's own log segment, as `track` does.
 */
async function askHost(ctx: CliContext, command: Command, name: string, args: unknown): Promise<ToolResult | undefined> {
  let tool: AgentTool;
  try {
    tool = findTool(name);
  } catch (err) {
    usageError(command, (err as Error).message);
  }
  if (tool.writes === 'runs') return undefined;
  return (await ctx.viaHost('tool', { name, args, userId: resolveUserId() })) as ToolResult | undefined;
}

/** Bad usage found inside an action: printed once by commander, exit code 2. */
function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: 2, code: 'session-buddy.usage' });
}

async function serve(store: SkillStore, opts: ServeOptions, token: string | null, tokenFile: string, ctx: CliContext): Promise<void> {
  const log = (message: string) => ctx.io.err(`session-buddy: ${message}\n`);
  const source = new StoreMetricsSource(store, { pullEvents: true, anomalyCheckMs: ANOMALY_CHECK_MS, onLog: log });
  const websocket = new RealtimeServer({
    source,
    token: opts.auth ? token : null,
    host: opts.host,
    port: opts.port,
    allowedOrigins: opts.allowOrigin,
    maxClients: opts.maxClients,
    intervalMs: Math.round(opts.interval * 1000),
    onLog: log,
  });
  const exporter = opts.metrics
    ? new PrometheusExporter(store, { host: opts.host, port: opts.metricsPort, token: opts.metricsAuth ? token : null, pullEvents: true, onLog: log })
    : undefined;
  const otlp = opts.otlpPort === undefined ? undefined : otlpReceiver(store, opts, opts.otlpAuth ? token : null, log);
  try {
    await listen(websocket, '--port', opts.port);
    if (exporter) await listen(exporter, '--metrics-port', opts.metricsPort);
    if (otlp && opts.otlpPort !== undefined) await listen(otlp, '--otlp-port', opts.otlpPort);
    announce(ctx, opts, { websocket: websocket.url, metrics: exporter?.url, otlp: otlp?.endpoint }, token ? tokenFile : null);
    await untilStopRequested();
  } finally {
    await Promise.all([websocket.close(), exporter?.close(), otlp?.close()]);
  }
}

/** What `serve` asks of the store host: the servers it would run here, and anomaly detection as often. */
function hostedServe(opts: ServeOptions, token: string | null, tokenFile: string, ctx: CliContext): HostedServeOptions {
  return {
    request: {
      host: opts.host,
      port: opts.port,
      requireToken: opts.auth,
      intervalMs: Math.round(opts.interval * 1000),
      allowedOrigins: opts.allowOrigin,
      maxClients: opts.maxClients,
      ...(opts.metrics ? { metrics: { port: opts.metricsPort, requireToken: opts.metricsAuth } } : {}),
      // The host records agents' runs in the store it holds, for this user.
      ...(opts.otlpPort !== undefined ? { otlp: { port: opts.otlpPort, requireToken: opts.otlpAuth, userId: resolveUserId() } } : {}),
    },
    portOptions: { websocket: '--port', metrics: '--metrics-port', otlp: '--otlp-port' },
    anomalyCheckMs: ANOMALY_CHECK_MS,
    announce: (urls) => {
      ctx.io.out(`Served by the store host of ${resolveDatabasePath(ctx.dbPath())}\n`);
      announce(ctx, opts, { websocket: urls.websocket ?? '', metrics: urls.metrics, otlp: urls.otlp }, token ? tokenFile : null);
    },
    until: untilStopRequested,
  };
}

/** Where the servers listen, and how to authenticate. */
function announce(ctx: CliContext, opts: ServeOptions, urls: { websocket: string; metrics?: string; otlp?: string }, tokenFile: string | null): void {
  ctx.io.out(`Real-time metrics: ${urls.websocket}\n`);
  if (urls.metrics) ctx.io.out(`Prometheus metrics: ${urls.metrics}${opts.metricsAuth ? ' (bearer token required)' : ' (no token: --no-metrics-auth)'}\n`);
  if (urls.otlp) ctx.io.out(`Agent telemetry (OTLP/HTTP): ${urls.otlp}${opts.otlpAuth ? ' (bearer token required)' : ' (no token: --no-otlp-auth)'}; set OTEL_EXPORTER_OTLP_ENDPOINT to it\n`);
  if (tokenFile) {
    ctx.io.out(`Token file: ${tokenFile}\n`);
    ctx.io.out('  send it as "Authorization: Bearer <token>", as ?token=<token>, or as the first message {"token": "<token>"}\n');
  } else {
    ctx.io.out('Authentication is off: any local process can connect.\n');
  }
  ctx.io.out('Press Ctrl+C to stop.\n');
}

/** The OTLP receiver of `serve --otlp-port`: agents' tool calls recorded for this user, by the built-in command-line rules. */
function otlpReceiver(store: SkillStore, opts: ServeOptions, token: string | null, log: (message: string) => void): OtlpReceiver {
  const recorder = new AgentRunRecorder(storeRecordingTarget(store, new SkillTracker(store, resolveUserId())));
  return new OtlpReceiver(recorder, { host: opts.host, port: opts.otlpPort, token, allowedOrigins: opts.allowOrigin, onLog: log });
}

async function listen(server: RealtimeServer | PrometheusExporter | OtlpReceiver, option: string, port: number): Promise<void> {
  try {
    await server.start();
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    if (error.code === 'EADDRINUSE') throw new Error(`port ${port} is in use (another Session Buddy window or server may host it); choose another with ${option}`, { cause: err });
    throw new Error(`cannot listen on port ${port}: ${error.message}`, { cause: err });
  }
}
