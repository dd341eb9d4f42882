import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { OTLP_DEFAULTS } from '../../src/core/agents/otlpReceiver';
import { claudeCodeRecords, exportLogs, rawRequest } from '../helpers/otlpClient';
import { tempDir } from '../helpers/store';

const ROOT = path.join(__dirname, '..', '..');
const TOKEN = 'otlp-abuse-token-0123456789abcdef';
const MB = 1024 * 1024;
const latest = (times: number[]) => times.reduce((a, b) => Math.max(a, b), 0);

/** What `work` resolves to, or undefined when it takes longer than `ms`. */
async function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The receiver in a child process, its memory read from outside, against an exporter that holds
 * the token and misbehaves: bodies that stop one byte short, headers that never end, a request
 * without Host. The receiver's defaults are under test (16 MiB bodies).
 */
describe('the OTLP receiver under abuse, its memory measured in its own process', () => {
  const scratch = tempDir('sb-otlp-abuse-');
  let child: ChildProcessWithoutNullStreams;
  let port: number;
  let endpoint: string;
  const replies: string[] = [];
  let waiting: ((line: string) => void) | undefined;

  const nextLine = () => new Promise<string>((resolve) => {
    const line = replies.shift();
    if (line !== undefined) resolve(line);
    else waiting = resolve;
  });
  const rss = async (): Promise<number> => {
    child.stdin.write('rss\n');
    return (JSON.parse(await nextLine()) as { rss: number }).rss;
  };

  before(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'helpers', 'otlp-child.ts'), path.join(scratch.dir, 'skills.db'), TOKEN], { cwd: ROOT });
    child.stderr.pipe(process.stderr);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(line);
      } else replies.push(line);
    });
    port = (JSON.parse(await nextLine()) as { port: number }).port;
    endpoint = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end('exit\n');
    await exited;
    scratch.cleanup();
  });

  /** A socket that sends `head` and then whatever `body` is, and reports when the server closes it. */
  function parked(head: string, body?: Buffer): { socket: net.Socket; closed: Promise<number> } {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (body) socket.write(body);
    });
    socket.on('data', () => undefined);
    const closed = new Promise<number>((resolve) => {
      socket.on('error', () => undefined);
      socket.once('close', () => resolve(Date.now() - started));
    });
    return { socket, closed };
  }

  const legitExport = async () => exportLogs(endpoint, TOKEN, 'protobuf', await claudeCodeRecords([{ sessionId: 'cc-abuse', toolName: 'Read', success: true, durationMs: 5, toolUseId: `toolu_${Date.now()}` }]));

  test('64 authorised bodies that stop one byte short: memory stays bounded, they are closed, and the memory comes back', async () => {
    assert.equal((await legitExport()).ok, true, 'warm: the decoding path is loaded');
    const start = await rss();
    const size = OTLP_DEFAULTS.maxBodyBytes;
    // One buffer for every socket: the test's own memory must not be what is measured.
    const body = Buffer.alloc(size - 1, 0x20);
    const head = `POST /v1/logs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${size}\r\n\r\n`;
    const attack = Array.from({ length: 64 }, () => parked(head, body));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const during = await rss();
    const busy = await rawRequest(`${endpoint}/v1/logs`, { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: '{}' });
    assert.ok([429, 503].includes(busy.status), `a request past the caps is refused at once, to be retried (${busy.status})`);
    assert.ok(busy.headers['retry-after'], 'with Retry-After');
    const closedIn = await within(20_000, Promise.all(attack.map((a) => a.closed)));
    for (const a of attack) a.socket.destroy();
    assert.ok(closedIn, 'the receiver closed every parked request within 20 s');
    assert.ok(latest(closedIn) < 15_000, `closed after at most ${latest(closedIn)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const afterwards = await rss();
    console.log(`receiver RSS: ${Math.round(start / MB)} MB before, ${Math.round(during / MB)} MB with 64 parked bodies, ${Math.round(afterwards / MB)} MB after`);
    assert.ok(during - start < 100 * MB, `held ${Math.round((during - start) / MB)} MB for 64 parked 16 MiB bodies`);
    assert.ok(afterwards - start < 50 * MB, `${Math.round((afterwards - start) / MB)} MB more than before the attack`);
    assert.equal((await legitExport()).ok, true, 'and it serves again');
  });

  test('64 connections whose headers never end are closed after the header timeout', async () => {
    const attack = Array.from({ length: 64 }, () => parked(`POST /v1/logs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `));
    const trickle = setInterval(() => {
      for (const a of attack) if (!a.socket.destroyed) a.socket.write('a');
    }, 500);
    try {
      const closedIn = await within(15_000, Promise.all(attack.map((a) => a.closed)));
      assert.ok(closedIn, 'every slow-header connection was closed within 15 s');
      assert.ok(latest(closedIn) < 10_000, `closed after at most ${latest(closedIn)} ms`);
    } finally {
      clearInterval(trickle);
      for (const a of attack) a.socket.destroy();
    }
    assert.equal((await legitExport()).ok, true);
  });

  test('a request without a Host header is refused', async () => {
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`POST /v1/logs HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`));
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
    });
    assert.match(answer, /^HTTP\/1\.[01] 400 /);
  });
});
