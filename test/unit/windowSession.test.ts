import assert from 'node:assert/strict';
import { test } from 'node:test';
import { all } from '../../src/core/store/statements';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { WindowSession } from '../../src/core/tracking/windowSession';
import { tempStore } from '../helpers/store';

const MINUTE = 60_000;

async function setup(idleMinutes = 30) {
  const ctx = await tempStore();
  let now = Date.parse('2026-03-02T09:00:00.000Z');
  const clock = { advance: (minutes: number) => (now += minutes * MINUTE), now: () => now };
  const tracker = new SkillTracker(ctx.store, 'user-a');
  const session = new WindowSession(ctx.store, tracker, { idleMs: () => idleMinutes * MINUTE, projectPath: '/home/me/project', now: clock.now });
  return { ctx, clock, session };
}

function sessions(ctx: Awaited<ReturnType<typeof tempStore>>) {
  return all<{ session_id: string; user_id: string; project_hash: string | null; source: string; ended_at: string | null }>(
    ctx.store.db,
    'SELECT session_id, user_id, project_hash, source, ended_at FROM skill_sessions ORDER BY started_at, session_id',
  );
}

test('activity within the idle gap stays in one session; the project is stored only as a hash', async () => {
  const { ctx, clock, session } = await setup();
  try {
    const first = await session.current();
    for (let i = 0; i < 5; i++) {
      clock.advance(29);
      assert.equal(await session.current(), first);
    }
    const rows = sessions(ctx);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].user_id, 'user-a');
    assert.equal(rows[0].source, 'vscode');
    assert.match(rows[0].project_hash ?? '', /^[0-9a-f]{32}$/);
    assert.ok(!JSON.stringify(rows).includes('/home/me'));
  } finally {
    await ctx.close();
  }
});

test('after an idle gap a new session starts, and the old one ends at its last activity', async () => {
  const { ctx, clock, session } = await setup(30);
  try {
    const first = await session.current();
    clock.advance(10);
    await session.current();
    const lastActivity = new Date(clock.now()).toISOString();
    clock.advance(31);
    const second = await session.current();
    assert.notEqual(second, first);
    const rows = sessions(ctx);
    assert.equal(rows.find((r) => r.session_id === first)?.ended_at, lastActivity);
    assert.equal(rows.find((r) => r.session_id === second)?.ended_at, null);
  } finally {
    await ctx.close();
  }
});

test('touch() keeps a session alive without an invocation', async () => {
  const { ctx, clock, session } = await setup(30);
  try {
    const first = await session.current();
    clock.advance(20);
    session.touch();
    clock.advance(20);
    assert.equal(await session.current(), first);
  } finally {
    await ctx.close();
  }
});

test('concurrent callers share one new session', async () => {
  const { ctx, session } = await setup();
  try {
    const ids = await Promise.all(Array.from({ length: 10 }, () => session.current()));
    assert.equal(new Set(ids).size, 1);
    assert.equal(sessions(ctx).length, 1);
  } finally {
    await ctx.close();
  }
});

test('end() closes the session now, or at its last activity when it was already idle', async () => {
  const { ctx, clock, session } = await setup(30);
  try {
    const first = await session.current();
    clock.advance(5);
    await session.end();
    assert.equal(sessions(ctx).find((r) => r.session_id === first)?.ended_at, new Date(clock.now()).toISOString());
    assert.equal(session.id, undefined);
    const second = await session.current();
    const lastActivity = new Date(clock.now()).toISOString();
    clock.advance(120);
    await session.end();
    assert.equal(sessions(ctx).find((r) => r.session_id === second)?.ended_at, lastActivity);
  } finally {
    await ctx.close();
  }
});
