import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { numberOption } from '../../src/cli/options';

function refusal(parse: (value: string) => number, value: string): string {
  try {
    parse(value);
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, 'a usage error (exit 2), not a failure');
    return err.message;
  }
  assert.fail(`${value} was accepted`);
}

test('a number option parses numbers and says which rule a value breaks', () => {
  const days = numberOption('--days', { integer: true, min: 1, max: 3650 });
  assert.equal(days('30'), 30);
  assert.equal(days(' 7 '), 7);
  assert.equal(refusal(days, ''), '--days must be a number');
  assert.equal(refusal(days, 'soon'), '--days must be a number');
  assert.equal(refusal(days, 'Infinity'), '--days must be a number');
  assert.equal(refusal(days, '1.5'), '--days must be a whole number');
  assert.equal(refusal(days, '0'), '--days must be at least 1');
  assert.equal(refusal(days, '3651'), '--days must be at most 3650');

  const share = numberOption('--share', { exclusiveMin: 0, exclusiveMax: 1 });
  assert.equal(share('0.25'), 0.25);
  assert.equal(refusal(share, '0'), '--share must be greater than 0');
  assert.equal(refusal(share, '1'), '--share must be less than 1');
});

test('a custom message replaces the message of every rule', () => {
  const port = numberOption('--port', { integer: true, min: 0, max: 65535, expected: 'a port number 0-65535' });
  assert.equal(port('0'), 0);
  assert.equal(port('8765'), 8765);
  for (const bad of ['x', '-1', '80.5', '70000']) assert.equal(refusal(port, bad), '--port must be a port number 0-65535', bad);
});
