import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { UnknownSessionError, ValidationError } from '../../src/core/validation';
import { tempStore } from '../helpers/store';

describe('SkillTracker', () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  let tracker: SkillTracker;
  let session: string;
  before(async () => {
    ctx = await tempStore();
    tracker = new SkillTracker(ctx.store, 'user-1');
    session = await tracker.createSession({ projectPath: '/home/someone/secret-project' });
  });
  after(() => ctx.close());

  test('bad input is refused with an error naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ skillName: '' }, /skillName: must not be empty/],
      [{ skillName: '   ' }, /skillName: must not be empty/],
      [{ skillName: 'x'.repeat(201) }, /skillName: must be at most 200/],
      [{ skillName: 'a\nb' }, /control characters/],
      [{ skillName: 'ok', durationSeconds: -0.5 }, /durationSeconds: must not be negative/],
      [{ skillName: 'ok', durationSeconds: Number.NaN }, /durationSeconds: must be a finite number/],
      [{ skillName: 'ok', invokedAt: 'yesterday-ish' }, /invokedAt: Unparseable timestamp/],
      [{ skillName: 'ok', invokedAt: '2026-13-45T99:00:00Z' }, /invokedAt: Unparseable timestamp/],
      [{ skillName: 'ok', selectionRank: 0 }, /selectionRank/],
      [{ skillName: 'ok', followUpActions: 'not-a-list' }, /followUpActions: must be a list/],
    ];
    for (const [input, message] of cases) {
      await assert.rejects(async () => tracker.trackInvocation({ sessionId: session, ...input } as never), (err: Error) => err instanceof ValidationError && message.test(err.message), JSON.stringify(input));
    }
    await assert.rejects(async () => tracker.trackInvocation({ sessionId: 'no-such-session', skillName: 'ok' }), UnknownSessionError);
    assert.equal(tracker.getTopSkills(10).length, 0, 'nothing was recorded');
  });

  test('timestamps are stored in the canonical UTC form', async () => {
    await tracker.trackInvocation({ sessionId: session, skillName: 'tz', invokedAt: '2026-11-20T10:00:00+02:00', completed: true });
    await tracker.trackInvocation({ sessionId: session, skillName: 'tz', invokedAt: '2026-11-20 09:30:00', completed: true });
    const rows = ctx.store.db.exec("SELECT invoked_at FROM skill_invocation WHERE skill_name = 'tz' ORDER BY invoked_at")[0].values.flat();
    assert.deepEqual(rows, ['2026-11-20T08:00:00.000Z', '2026-11-20T09:30:00.000Z']);
  });

  test('the two-step form records the outcome with a measured duration', async () => {
    const running = tracker.startInvocation({ sessionId: session, skillName: 'slow-build' });
    await new Promise((r) => setTimeout(r, 120));
    await running.complete({ completed: false, errorType: 'exit 2' });
    const metrics = tracker.getSkillMetrics('slow-build')!;
    assert.equal(metrics.total_invocations, 1);
    assert.equal(metrics.abandoned_invocations, 1);
    assert.deepEqual(metrics.common_errors, { 'exit 2': 1 });
    const duration = Number(ctx.store.db.exec("SELECT duration_seconds FROM skill_invocation WHERE skill_name = 'slow-build'")[0].values[0][0]);
    assert.ok(duration >= 0.1 && duration < 2, `measured ${duration} s`);
    await assert.rejects(() => running.complete(), /already recorded/);
  });

  test('session summary and top skills use rates 0..1; the project path is stored only as a hash', async () => {
    for (const completed of [true, true, true, false]) await tracker.trackInvocation({ sessionId: session, skillName: 'pytest-run', completed, durationSeconds: 2 });
    const top = tracker.getTopSkills(1)[0];
    assert.equal(top.skill_name, 'pytest-run');
    assert.equal(top.completion_rate, 0.75);
    assert.equal(top.avg_duration_seconds, 2);
    const { avg_duration_seconds: _mean, ...counts } = top;
    assert.deepEqual(tracker.getSkillCounts(1)[0], counts, 'the pickers read the same counts without the mean');
    const summary = tracker.getSessionSummary(session);
    assert.equal(summary.user_id, 'user-1');
    assert.equal(summary.total_invocations, 7);
    assert.equal(summary.completed_count, 5);
    const stored = JSON.stringify(ctx.store.db.exec('SELECT * FROM skill_sessions'));
    assert.ok(!stored.includes('secret-project'));
    assert.throws(() => tracker.getSessionSummary('unknown'), UnknownSessionError);
  });

  test("an invocation's source is its session's (editor, cli, ci, agent) unless given; a record key is recorded once", async () => {
    const bySession = [['vscode', 'editor'], ['cli', 'cli'], ['junit', 'ci'], ['mcp', 'agent'], ['agent', 'agent'], ['session-buddy-import', null]] as const;
    const ids: number[] = [];
    for (const [sessionSource] of bySession) {
      const sessionId = await tracker.createSession({ source: sessionSource });
      ids.push(await tracker.trackInvocation({ sessionId, skillName: 'sourced' }));
    }
    const explicit = await tracker.trackInvocation({ sessionId: session, skillName: 'sourced', source: 'agent' });
    const sourceOf = (id: number) => ctx.store.db.exec('SELECT source FROM skill_invocation WHERE id = ?', [id])[0].values[0][0];
    assert.deepEqual(ids.map(sourceOf), bySession.map(([, source]) => source));
    assert.equal(sourceOf(explicit), 'agent');
    await assert.rejects(async () => tracker.trackInvocation({ sessionId: session, skillName: 'sourced', source: 'robot' as never }), /source: must be one of agent, editor, cli, ci/);
    await assert.rejects(async () => tracker.trackInvocation({ sessionId: session, skillName: 'sourced', recordKey: 'not-hex' }), /recordKey: must be 32 hex digits/);

    const key = '0123456789abcdef'.repeat(2);
    await tracker.trackInvocations([
      { sessionId: session, skillName: 'keyed', recordKey: key, completed: true },
      { sessionId: session, skillName: 'keyed', recordKey: key, completed: true },
    ]);
    await tracker.trackInvocations([{ sessionId: session, skillName: 'keyed', recordKey: key, completed: false }]);
    assert.equal(tracker.getSkillMetrics('keyed')!.total_invocations, 1);
    assert.equal(tracker.getSkillMetrics('keyed')!.completion_rate, 1, 'the first run with the key is the one kept');
  });

  test('ending a session records its end', async () => {
    const other = await tracker.createSession();
    await tracker.endSession(other);
    assert.ok(tracker.getSessionSummary(other).ended_at);
  });
});
