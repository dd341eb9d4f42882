import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_STATE_ACTIONS, parseDashboardMessage, parseRecommendationsMessage } from '../../src/webview/protocol';

test('well-formed recommendations-view messages are accepted as themselves', () => {
  assert.deepEqual(parseRecommendationsMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseRecommendationsMessage({ type: 'run', skill: 'pytest-run' }), { type: 'run', skill: 'pytest-run' });
  for (const action of EMPTY_STATE_ACTIONS) assert.deepEqual(parseRecommendationsMessage({ type: 'action', action }), { type: 'action', action });
});

test('extra fields from the page are dropped, not passed on', () => {
  assert.deepEqual(parseRecommendationsMessage({ type: 'run', skill: 'npm-test', command: 'rm -rf /' }), { type: 'run', skill: 'npm-test' });
  assert.deepEqual(parseDashboardMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
});

test('malformed messages are refused', () => {
  const bad: unknown[] = [
    undefined,
    null,
    'ready',
    42,
    [],
    {},
    { type: 7 },
    { type: 'unknown' },
    { type: 'refresh' },
    { type: 'run' },
    { type: 'run', skill: '' },
    { type: 'run', skill: '   ' },
    { type: 'run', skill: 12 },
    { type: 'run', skill: 'x'.repeat(201) },
    { type: 'action', action: 'workbench.action.terminal.sendSequence' },
    { type: 'action' },
  ];
  for (const message of bad) assert.equal(parseRecommendationsMessage(message), undefined, JSON.stringify(message));
  for (const message of [undefined, {}, { type: 'run', skill: 'x' }, { type: 'state' }]) assert.equal(parseDashboardMessage(message), undefined, JSON.stringify(message));
});
