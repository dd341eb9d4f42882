import fs from 'node:fs';

/**
 * Writes a log segment as a writer leaves it when it dies before its first snapshot: its header,
 * then `events` invocations with increasing stamps (ids from `firstId`, which the store's clock
 * gave), no close line; the writer's pid is one no process has. Returns the bytes written.
 */
export function writeDeadWritersSegment(file: string, firstId: number, events: number): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  const write = (text: string) => {
    bytes += fs.writeSync(fd, text);
  };
  try {
    write(`${JSON.stringify({ t: 'segment', pid: 2 ** 22 + 1, slot: 7, started_at: '2026-11-01T00:00:00.000Z' })}\n`);
    let lines: string[] = [];
    for (let i = 0; i < events; i++) {
      const id = firstId + (i + 1) * 256;
      const row = {
        id, skill_name: `skill-${i % 40}`, invoked_at: new Date(Date.UTC(2026, 9, 1) + i * 10_000).toISOString(), session_id: `session-${Math.floor(i / 50)}`,
        workflow_path: null, completed: i % 7 === 0 ? 0 : 1, duration_seconds: 1 + (i % 13), user_query: null, alternatives_considered: null, selection_rank: null,
        follow_up_actions: null, error_type: null, workflow_phase: null, workflow_step_id: null,
      };
      lines.push(`{"s":${id},${JSON.stringify({ t: 'invocation', row, user_id: 'u' }).slice(1)}`);
      if (lines.length === 10_000) {
        write(`${lines.join('\n')}\n`);
        lines = [];
      }
    }
    if (lines.length) write(`${lines.join('\n')}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}
