// npm run bench -- otlp [--rounds-small 20] [--rounds-large 3] [--calls 1000000]
// The OTLP receiver under its real client: Claude Code-shaped tool_result events made by the
// OpenTelemetry SDK and sent by its OTLP exporters (http/protobuf and http/json), 100 and 10,000
// records per request. Records accepted per second, and the latency the exporter sees per request
// (the response comes once the runs are committed). A replay of the same batch is timed too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentRunRecorder, storeRecordingTarget } from '../src/core/agents/agentRecorder';
import { OtlpReceiver } from '../src/core/agents/otlpReceiver';
import { SEGMENT_ROTATE_BYTES } from '../src/core/store/logAppender';
import { SkillStore } from '../src/core/store/store';
import { SkillTracker } from '../src/core/tracking/tracker';
import { claudeCodeRecords, exportLogs, type LogProtocol, type ToolResultEvent } from '../test/helpers/otlpClient';
import { MIGRATIONS, mib, percentile, printTable, round, writeResult } from './common';
import { listSegments } from '../src/core/store/eventLog';
import { storePaths } from '../src/core/store/paths';
import { appendAll, maxOf } from '../src/core/collections';

const TOKEN = 'bench-otlp-token-0123456789abcdef';
const COMMANDS = ['pytest -q', 'npm test', 'ruff check .', 'git status', 'cargo build'];
const OTHER_TOOLS = ['Read', 'Edit', 'mcp__github__create_issue'];

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

let nextCall = 0;

/** `size` new tool calls (unique tool-use ids), a mix of Bash commands and other tools, in 10 sessions. */
function batch(size: number): ToolResultEvent[] {
  return Array.from({ length: size }, (): ToolResultEvent => {
    const call = nextCall++;
    // Two in three are Bash commands; the rest cycle through a built-in tool, another, and an MCP tool.
    const bash = call % 3 !== 0;
    return {
      sessionId: `bench-session-${call % 10}`,
      toolName: bash ? 'Bash' : OTHER_TOOLS[(call / 3) % OTHER_TOOLS.length],
      success: call % 5 !== 0,
      durationMs: 100 + (call % 900),
      toolUseId: `toolu_bench_${call}`,
      parameters: bash ? { bash_command: COMMANDS[call % COMMANDS.length].split(' ')[0], full_command: COMMANDS[call % COMMANDS.length] } : { file_path: `/tmp/file-${call}.ts` },
    };
  });
}

interface Row extends Record<string, string | number> {
  protocol: LogProtocol;
  records_per_request: number;
  requests: number;
  kind: string;
  records_per_s: number;
  latency_ms_p50: number;
  latency_ms_max: number;
}

async function measure(endpoint: string, protocol: LogProtocol, size: number, rounds: number): Promise<Row[]> {
  const fresh: number[] = [];
  const replayed: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const records = await claudeCodeRecords(batch(size));
    for (const times of [fresh, replayed]) {
      const started = performance.now();
      const outcome = await exportLogs(endpoint, TOKEN, protocol, records);
      times.push(performance.now() - started);
      if (!outcome.ok) throw new Error(`export failed: ${outcome.error}`);
    }
  }
  const row = (kind: string, times: number[]): Row => ({
    protocol,
    records_per_request: size,
    requests: rounds,
    kind,
    records_per_s: Math.round((size * rounds) / (times.reduce((a, b) => a + b, 0) / 1000)),
    latency_ms_p50: round(percentile(times, 50), 1),
    latency_ms_max: round(maxOf(times), 1),
  });
  return [row('new', fresh), row('replay', replayed)];
}

/**
 * A long-running writer, as `serve --otlp-port` is for an agent that works all day: `calls` tool
 * calls in requests of 10,000, with the store's own snapshot schedule. Its log must stay in
 * segments of bounded size (the writer rotates) and the finished ones must go after each snapshot.
 */
async function longRunningWriter(dir: string, calls: number) {
  const file = path.join(dir, 'long', 'skills.db');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const store = await SkillStore.open({ path: file, migrationsDir: MIGRATIONS, pollMs: 0 });
  const receiver = new OtlpReceiver(new AgentRunRecorder(storeRecordingTarget(store, new SkillTracker(store, 'bench-user'))), { token: TOKEN, port: 0 });
  await receiver.start();
  let largestSegment = 0;
  let peakRss = 0;
  const started = performance.now();
  try {
    for (let sent = 0; sent < calls; sent += 10_000) {
      const outcome = await exportLogs(receiver.endpoint, TOKEN, 'protobuf', await claudeCodeRecords(batch(Math.min(10_000, calls - sent))));
      if (!outcome.ok) throw new Error(`export failed: ${outcome.error}`);
      largestSegment = Math.max(largestSegment, maxOf(listSegments(storePaths(file).eventsDir).map((s) => s.size), 0));
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if ((sent / 10_000) % 10 === 0) console.error(`  ${sent} of ${calls} calls sent`);
    }
  } finally {
    await receiver.close();
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const segments = listSegments(storePaths(file).eventsDir);
  return {
    calls,
    seconds: round(seconds, 0),
    calls_per_s: round(calls / seconds, 0),
    largest_segment_mib: mib(largestSegment),
    segments_left: segments.length,
    log_left_mib: mib(segments.reduce((n, s) => n + s.size, 0)),
    peak_rss_mib: mib(peakRss),
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-otlp-'));
  const store = await SkillStore.open({ path: path.join(dir, 'skills.db'), migrationsDir: MIGRATIONS, pollMs: 0 });
  const receiver = new OtlpReceiver(new AgentRunRecorder(storeRecordingTarget(store, new SkillTracker(store, 'bench-user'))), { token: TOKEN, port: 0 });
  await receiver.start();
  try {
    const rows: Row[] = [];
    for (const protocol of ['protobuf', 'json'] as const) {
      appendAll(rows, await measure(receiver.endpoint, protocol, 100, option('rounds-small', 20)));
      appendAll(rows, await measure(receiver.endpoint, protocol, 10_000, option('rounds-large', 3)));
    }
    const stored = Number(store.db.exec('SELECT COUNT(*) FROM skill_invocation')[0].values[0][0]);
    printTable(rows);
    console.log(`${stored} invocations stored (each new record once, replays none)`);
    const calls = option('calls', 1_000_000);
    const long = calls > 0 ? [await longRunningWriter(dir, calls)] : [];
    if (long.length) {
      console.log(`\nA long-running writer (segments end at ${mib(SEGMENT_ROTATE_BYTES)} MiB; finished ones go after each snapshot)`);
      printTable(long);
    }
    console.log(`results: ${writeResult('otlp', { node: process.version, cpus: os.cpus().length, stored, rows, long_running: long })}`);
  } finally {
    await receiver.close();
    await store.close({ snapshot: false });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
