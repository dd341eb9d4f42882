import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPendingRun } from '../../src/core/tracking/pendingRun';
import { createPublicApi } from '../../src/vscode/publicApi';
import type { InvocationRecorder } from '../../src/vscode/recorder';
import type { RecommendationService } from '../../src/vscode/recommendationService';

/** A recorder that remembers what reached it, with tracking on or paused; its runs are the real PendingRun. */
function fakeRecorder(enabled: boolean) {
  const calls: { kind: string; skill: string; input: Record<string, unknown> }[] = [];
  const recorder = {
    record: async (skill: string, _source: string, input: Record<string, unknown>) => {
      if (!enabled) return undefined;
      calls.push({ kind: 'record', skill, input });
      return 1;
    },
    start: (skill: string, _source: string, details: Record<string, unknown>) => {
      if (!enabled) return undefined;
      calls.push({ kind: 'start', skill, input: details });
      return startPendingRun(skill, async (run) => (calls.push({ kind: 'complete', skill, input: { ...run.outcome } }), 2));
    },
  };
  return { recorder: recorder as unknown as InvocationRecorder, calls };
}

const noRecommendations = { get: async (query: unknown) => [query], list: async (query: unknown) => ({ items: [query] }) } as unknown as RecommendationService;

test('only the documented fields reach the recorder: a caller cannot choose the session or the user', async () => {
  const { recorder, calls } = fakeRecorder(true);
  const api = createPublicApi(recorder, noRecommendations);
  const input = { skillName: 'deploy-staging', completed: true, durationSeconds: 3, sessionId: 'someone-elses', userId: 'root', workflowPhase: 'deployment' };
  assert.equal(await api.trackInvocation(input as never), 1);
  assert.equal(calls[0].skill, 'deploy-staging');
  assert.equal(calls[0].input.sessionId, undefined);
  assert.equal(calls[0].input.userId, undefined);
  assert.equal(calls[0].input.workflowPhase, 'deployment');
  assert.equal(calls[0].input.completed, true);
});

test('startInvocation(...).complete(...) records once, completed by default', async () => {
  const { recorder, calls } = fakeRecorder(true);
  const api = createPublicApi(recorder, noRecommendations);
  const run = api.startInvocation({ skillName: 'lint-docs' });
  assert.equal(run.skillName, 'lint-docs');
  assert.equal(await run.complete(), 2);
  assert.deepEqual(calls.at(-1)?.input, { completed: true });
  await assert.rejects(() => run.complete(), /already completed/);
});

test('while tracking is paused nothing is recorded and the calls resolve to undefined', async () => {
  const { recorder, calls } = fakeRecorder(false);
  const api = createPublicApi(recorder, noRecommendations);
  assert.equal(await api.trackInvocation({ skillName: 'x' }), undefined);
  assert.equal(await api.startInvocation({ skillName: 'x' }).complete({ completed: false }), undefined);
  assert.equal(calls.length, 0);
});

test('invalid input is refused with the field named, before anything is recorded', async () => {
  const { recorder, calls } = fakeRecorder(true);
  const api = createPublicApi(recorder, noRecommendations);
  await assert.rejects(() => api.trackInvocation({ skillName: '' }), /skillName: must not be empty/);
  await assert.rejects(() => api.trackInvocation(undefined as never), /input: must be an object/);
  assert.throws(() => api.startInvocation({ skillName: 42 } as never), /skillName: must be a string/);
  await assert.rejects(() => api.getRecommendations('python' as never), /query: must be an object/);
  assert.equal(calls.length, 0);
});

test('getRecommendations passes only the context fields on', async () => {
  const { recorder } = fakeRecorder(true);
  const api = createPublicApi(recorder, noRecommendations);
  const [query] = (await api.getRecommendations({ lastSkill: 'pytest-run', limit: 3, userId: 'other' } as never)) as unknown as Record<string, unknown>[];
  assert.deepEqual(query, { lastSkill: 'pytest-run', languageId: undefined, isTestFile: undefined, recentFailures: undefined, limit: 3 });
  const { items: [listQuery] } = (await api.getRecommendationList({ limit: 4, userId: 'other' } as never)) as unknown as { items: Record<string, unknown>[] };
  assert.deepEqual(listQuery, { lastSkill: undefined, languageId: undefined, isTestFile: undefined, recentFailures: undefined, limit: 4 });
  await assert.rejects(() => api.getRecommendationList('python' as never), /query: must be an object/);
});
