import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCsv, topSkillsCsv } from '../../src/core/dashboard/csv';

test('the top-skills table as CSV: a header, one line per row, unrounded figures, empty cells for nothing', () => {
  const csv = topSkillsCsv([
    { skill: 'pytest-run', invocations: 3, completionRate: 2 / 3, avgDurationSeconds: 1.25, timeSpentSeconds: 3.75, lastInvoked: '2026-03-10T08:30:00.000Z' },
    { skill: 'npm-test', invocations: 1, completionRate: 0, avgDurationSeconds: null, timeSpentSeconds: 0, lastInvoked: null },
  ]);
  assert.equal(csv, [
    'skill,runs,completion_rate,avg_duration_seconds,time_spent_seconds,last_run',
    `pytest-run,3,${2 / 3},1.25,3.75,2026-03-10T08:30:00.000Z`,
    'npm-test,1,0,,0,',
    '',
  ].join('\r\n'));
});

test('cells with commas, quotes or line breaks are quoted; a cell a spreadsheet would run as a formula is not', () => {
  assert.equal(toCsv(['a', 'b', 'c'], [['x,y', 'say "hi"', '=HYPERLINK("evil")']]), 'a,b,c\r\n"x,y","say ""hi""","\'=HYPERLINK(""evil"")"\r\n');
  assert.equal(toCsv(['n'], [[-1], [Number.NaN]]), 'n\r\n-1\r\n\r\n', 'negative numbers stay numbers');
});
