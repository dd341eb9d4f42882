import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDashboardMessage, parseRecommendationsMessage } from '../../src/vscode/webviewMessages';
import { EMPTY_STATE_ACTIONS } from '../../src/webview/protocol';
import { isProtocolError, parseClientMessage } from '../../src/core/realtime/protocol';
import { SAFE_SKILL_NAME, ValidationError, isSkillName, requireName } from '../../src/core/validation';

test('well-formed recommendations-view messages are accepted as themselves', () => {
  assert.deepEqual(parseRecommendationsMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseRecommendationsMessage({ type: 'run', skill: 'pytest-run' }), { type: 'run', skill: 'pytest-run' });
  assert.deepEqual(parseRecommendationsMessage({ type: 'dismiss', skill: 'pytest-run' }), { type: 'dismiss', skill: 'pytest-run' });
  for (const action of EMPTY_STATE_ACTIONS) assert.deepEqual(parseRecommendationsMessage({ type: 'action', action }), { type: 'action', action });
});

test("the dashboard's messages: range, trend skill, workspace, CSV export and its empty state's actions", () => {
  assert.deepEqual(parseDashboardMessage({ type: 'range', days: 30 }), { type: 'range', days: 30 });
  assert.deepEqual(parseDashboardMessage({ type: 'trendSkill', skill: 'pytest-run' }), { type: 'trendSkill', skill: 'pytest-run' });
  for (const scope of ['all', 'workspace']) assert.deepEqual(parseDashboardMessage({ type: 'workspace', scope }), { type: 'workspace', scope });
  assert.deepEqual(parseDashboardMessage({ type: 'exportCsv', path: '/etc/passwd' }), { type: 'exportCsv' }, 'the page chooses no file');
  for (const action of EMPTY_STATE_ACTIONS) assert.deepEqual(parseDashboardMessage({ type: 'action', action }), { type: 'action', action });
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
    { type: 'dismiss' },
    { type: 'dismiss', skill: '' },
    { type: 'action', action: 'workbench.action.terminal.sendSequence' },
    { type: 'action' },
  ];
  for (const message of bad) assert.equal(parseRecommendationsMessage(message), undefined, JSON.stringify(message));
  const badForDashboard: unknown[] = [undefined, {}, { type: 'run', skill: 'x' }, { type: 'state' }, { type: 'range', days: 5 }, { type: 'workspace', scope: 'other' },
    { type: 'workspace' }, { type: 'action', action: 'workbench.action.terminal.sendSequence' }];
  for (const message of badForDashboard) assert.equal(parseDashboardMessage(message), undefined, JSON.stringify(message));
});

test('every entry point takes the same skill names: the webviews, the real-time server and requireName', () => {
  const cases: [name: string, accepted: boolean][] = [
    ['pytest-run', true],
    ['Deploy Staging', true],
    ['x'.repeat(200), true],
    ['x'.repeat(201), false],
    ['  ', false],
    ['tab\there', false],
    ['bell\u0007', false],
    ['del\u007f', false],
  ];
  for (const [name, accepted] of cases) {
    const label = JSON.stringify(name);
    assert.equal(parseRecommendationsMessage({ type: 'run', skill: name }) !== undefined, accepted, `recommendations ${label}`);
    assert.equal(parseDashboardMessage({ type: 'trendSkill', skill: name }) !== undefined, accepted, `dashboard ${label}`);
    assert.equal(isProtocolError(parseClientMessage(JSON.stringify({ type: 'subscribe', skill: name }))), !accepted, `real-time ${label}`);
    assert.equal(isSkillName(name), accepted, `isSkillName ${label}`);
    if (accepted) assert.equal(requireName('skill', name), name);
    else assert.throws(() => requireName('skill', name), ValidationError, `requireName ${label}`);
  }
});

test('the names Session Buddy makes are lower-case slugs of at most 64 characters, and valid skill names', () => {
  for (const slug of ['pytest-run', 'npm-run-build:prod', '0x', 'a'.repeat(64)]) {
    assert.match(slug, SAFE_SKILL_NAME);
    assert.ok(isSkillName(slug), slug);
  }
  for (const name of ['Pytest', '-x', 'a b', 'a'.repeat(65), '']) assert.doesNotMatch(name, SAFE_SKILL_NAME);
});
