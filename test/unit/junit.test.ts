import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseJUnit, type JUnitSuite } from '../../src/core/integrations/junit';

/** The suites' counts and times; their identity is checked on its own below. */
const withoutIdentity = (suites: JUnitSuite[]) => suites.map(({ identity: _identity, ...rest }) => rest);

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'junit');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

describe('JUnit XML parsing', () => {
  test('pytest: one suite with its counts, duration and zoned timestamp', () => {
    const report = parseJUnit(read('pytest.xml'));
    assert.equal(report.dialect, 'pytest');
    assert.deepEqual(withoutIdentity(report.suites), [
      { name: 'pytest', tests: 4, failures: 1, errors: 0, skipped: 1, durationSeconds: 2.518, startedAt: '2026-11-20T10:15:02.123Z' },
    ]);
  });

  test('jest: every suite, failures counted per suite, zone-less timestamps read as local time', () => {
    const report = parseJUnit(read('jest.xml'));
    assert.equal(report.dialect, 'jest');
    assert.deepEqual(
      report.suites.map((s) => [s.name, s.tests, s.failures, s.skipped, s.durationSeconds]),
      [
        ['src/sum.test.js', 2, 0, 0, 1.25],
        ['src/api/client.test.js', 3, 1, 1, 1.75],
      ],
    );
    assert.equal(report.suites[0].startedAt, new Date(2026, 10, 20, 10, 20, 0).toISOString());
  });

  test('vitest: errors are told apart from failures', () => {
    const report = parseJUnit(read('vitest.xml'));
    assert.equal(report.dialect, 'vitest');
    assert.deepEqual(report.suites.map((s) => [s.tests, s.failures, s.errors, s.durationSeconds]), [[3, 0, 0, 0.031], [1, 0, 1, 0.64]]);
    assert.equal(report.suites[1].startedAt, '2026-11-20T10:30:00.100Z');
  });

  test('go-junit-report: recognised by its go.version property', () => {
    const report = parseJUnit(read('go-junit-report.xml'));
    assert.equal(report.dialect, 'go');
    assert.deepEqual(report.suites.map((s) => [s.name, s.failures, s.durationSeconds]), [
      ['example.com/shop/internal/cart', 1, 0.412],
      ['example.com/shop/internal/price', 0, 0.007],
    ]);
  });

  test('Maven Surefire: a single <testsuite> root, thousands separators in the time', () => {
    const report = parseJUnit(read('surefire.xml'));
    assert.equal(report.dialect, 'surefire');
    assert.equal(report.suites.length, 1);
    assert.deepEqual([report.suites[0].tests, report.suites[0].errors, report.suites[0].durationSeconds], [3, 1, 1204.5]);
    assert.equal(report.suites[0].startedAt, undefined);
  });

  test('missing counters are counted from the test cases; wrapper suites are not suites', () => {
    const xml = `<testsuites><testsuite name="all"><testsuite name="inner">
      <testcase name="a" time="0.5"/><testcase name="b" time="0.25"><failure/></testcase><testcase name="c"><skipped/></testcase>
      <testcase name="d" time="1"><error/></testcase></testsuite></testsuite></testsuites>`;
    const report = parseJUnit(xml);
    assert.equal(report.dialect, 'generic');
    assert.deepEqual(withoutIdentity(report.suites), [{ name: 'inner', tests: 4, failures: 1, errors: 1, skipped: 1, durationSeconds: 1.75 }]);
  });

  test('what is not a JUnit report is refused with a reason', () => {
    assert.throws(() => parseJUnit('<testsuites><testsuite>'), /not well-formed XML/);
    assert.throws(() => parseJUnit('<html><body/></html>'), /not a JUnit report/);
    assert.throws(() => parseJUnit('plain text'), /not well-formed XML|not a JUnit report/);
  });
});

test("a suite's identity: the same report gives the same one, another run with the same suite name another", () => {
  const run = (time: string, outcome: string) => `<testsuites><testsuite name="pytest" tests="1" time="${time}" timestamp="2026-11-20T10:00:00" hostname="ci"><testcase classname="t" name="test_a" time="${time}">${outcome}</testcase></testsuite></testsuites>`;
  const [a, again, other] = [run('0.1', ''), run('0.1', ''), run('0.2', '<failure message="x"/>')].map((xml) => parseJUnit(xml).suites[0].identity);
  assert.equal(a, again);
  assert.notEqual(a, other);
});
