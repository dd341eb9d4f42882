import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProgress, parseRequest, parseResponse, ProtocolError } from '../../src/core/host/protocol';

test('a request asks for progress with progress: true, and anything but a boolean there is a protocol error', () => {
  assert.equal(parseRequest({ id: 1, method: 'operation', params: {}, progress: true }).progress, true);
  assert.equal(parseRequest({ id: 2, method: 'operation', params: {} }).progress, false, 'a client of protocol 9 never asks');
  assert.throws(() => parseRequest({ id: 3, method: 'operation', progress: 'yes' }), ProtocolError);
});

test('a progress line is told from an answer, and its content is checked before a client prints it', () => {
  assert.deepEqual(parseResponse({ id: 4, progress: { done: 1, total: 3 } }).progress, { done: 1, total: 3 });
  assert.throws(() => parseResponse({ id: 4, progress: 'half' }), ProtocolError);
  assert.deepEqual(parseProgress({ done: 2, total: 5 }), { done: 2, total: 5 });
  assert.deepEqual(parseProgress({ stage: 'x'.repeat(500), done: 0, total: 0 }), { stage: 'x'.repeat(200), done: 0, total: 0 });
  for (const bad of [{ done: -1, total: 2 }, { done: 1.5, total: 2 }, { done: '1', total: 2 }, { done: 1 }, { done: 1, total: 2, stage: 3 }]) {
    assert.equal(parseProgress(bad), undefined, JSON.stringify(bad));
  }
});
