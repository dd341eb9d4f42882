import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContextTrie } from '../../src/core/recommend/contextTrie';
import { seededRandom } from '../../src/core/analytics/seededRandom';
import { ContextTable, CountRow, pruneCutoff } from '../../src/core/recommend/countRow';
import { RecencyCounts } from '../../src/core/recommend/recencyCounts';
import { MATCH_MIN, RunHistory } from '../../src/core/recommend/runHistory';
import { PAUSE_NEW_SESSION, SessionTrail, contextIds } from '../../src/core/recommend/sessionTrail';
import { SESSION_START, SkillVocabulary, OVERFLOW } from '../../src/core/recommend/skillVocabulary';

function ranked(row: CountRow): [number, number][] {
  const out: [number, number][] = [];
  for (let rank = 0; rank < row.distinct; rank++) out.push([row.idAt(rank), row.countAt(rank)]);
  return out;
}

describe('count rows', () => {
  it('stay sorted by count, ties in first-seen order, with and without their index', () => {
    const row = new CountRow();
    for (const id of [5, 3, 3, 9, 5, 5]) row.add(id);
    assert.deepEqual(ranked(row), [[5, 3], [3, 2], [9, 1]]);
    for (let id = 10; id < 30; id++) row.add(id);
    row.add(29);
    row.add(29);
    assert.deepEqual(ranked(row).slice(0, 3), [[5, 3], [29, 3], [3, 2]]);
    assert.equal(row.count(29), 3);
    assert.equal(row.count(11), 1);
    assert.equal(row.count(99), 0);
    assert.equal(row.total, 28);
  });

  it('a table keeps the rows counted into most recently', () => {
    const table = new ContextTable(10);
    for (let key = 0; key < 10; key++) table.add(key, 1);
    table.add(0, 1);
    table.add(10, 1);
    assert.ok(table.size <= 10);
    assert.ok(table.peek(0) && table.peek(10));
    assert.equal(table.peek(1), undefined);
  });

  it('a context tree finds every order at once and drops its oldest branches', () => {
    const trie = new ContextTrie(3, 20);
    trie.record([2, 1], 7);
    trie.record([2, 1], 8);
    trie.record([3], 7);
    const rows: CountRow[] = [];
    trie.findRows([2, 1, 4], rows);
    assert.deepEqual(rows.map(ranked), [[[7, 2], [8, 1]], [[7, 1], [8, 1]], [[7, 1], [8, 1]]]);
    for (let id = 100; id < 130; id++) trie.record([id, id + 1, id + 2], 1);
    trie.findRows([2, 1], rows);
    assert.equal(rows.length, 1, 'the old branch was dropped');
    trie.findRows([129, 130, 131], rows);
    assert.equal(rows.length, 4, 'the newest branch is kept');
  });

  it('a context followed by one longer context or by several finds each, also once pruning leaves one', () => {
    const trie = new ContextTrie(2, 8);
    const rows: CountRow[] = [];
    trie.record([1, 5], 7);
    trie.record([1, 6], 8);
    trie.findRows([1, 5], rows);
    assert.deepEqual(rows.slice(1).map(ranked), [[[7, 1], [8, 1]], [[7, 1]]]);
    for (let i = 0; i < 3; i++) trie.record([1, 6], 9);
    for (let id = 20; id < 25; id++) trie.record([id], 1);
    assert.equal(trie.size, 8, 'over its capacity, the oldest branch went');
    trie.findRows([1, 5], rows);
    assert.equal(rows.length, 2, 'after 1, 5 was counted longest ago');
    trie.findRows([1, 6], rows);
    assert.deepEqual(ranked(rows[2]), [[9, 3], [8, 1]]);
    trie.record([1, 5], 7);
    trie.findRows([1, 5], rows);
    assert.deepEqual(ranked(rows[2]), [[7, 1]]);
    trie.findRows([1, 6], rows);
    assert.equal(rows.length, 2, 'over its capacity again: 1, 6 is now the branch counted longest ago');
  });
});

describe('recency counts', () => {
  it('halve a run’s weight every half-life, per half-life', () => {
    const counts = new RecencyCounts([1, 4]);
    counts.add(1);
    for (let i = 0; i < 4; i++) counts.add(2);
    assert.ok(Math.abs(counts.value(0, 1) - 1 / 16) < 1e-12);
    assert.ok(Math.abs(counts.value(1, 1) - 0.5) < 1e-12);
    assert.ok(Math.abs(counts.total(0) - (1 / 16 + 1 / 8 + 1 / 4 + 1 / 2 + 1)) < 1e-12);
  });

  it('stay exact over a long history (rescaled, not overflowing)', () => {
    const counts = new RecencyCounts([2]);
    for (let i = 0; i < 5000; i++) counts.add(i % 2);
    assert.ok(Number.isFinite(counts.total(0)) && Math.abs(counts.total(0) - 1 / (1 - 2 ** -0.5)) < 1e-9);
  });
});

describe('run history', () => {
  it('follows a repeat of an earlier stretch and predicts what came next then', () => {
    const history = new RunHistory(100);
    const stretch = [10, 11, 12, 13, 14, 15];
    for (const id of [...stretch, 99, ...stretch.slice(0, MATCH_MIN + 1)]) history.record(id);
    assert.deepEqual(history.match(), { id: 15, length: MATCH_MIN + 1 });
    history.record(15);
    assert.deepEqual(history.match(), { id: 99, length: MATCH_MIN + 2 });
    history.record(42);
    assert.equal(history.match(), undefined);
  });

  it('counts recent runs and keeps the recent distinct skills, newest first', () => {
    const history = new RunHistory(8);
    for (const id of [1, 2, 1, SESSION_START, 3, 1]) history.record(id);
    assert.deepEqual(history.countInLast(1, 3), { count: 2, runs: 3 });
    assert.deepEqual(history.recentDistinct(), [1, 3, 2]);
  });
});

describe('session trail', () => {
  it('starts a session after 30 idle minutes, and builds contexts with the session start', () => {
    const trail = new SessionTrail(4);
    assert.equal(trail.view(0, undefined).pause, PAUSE_NEW_SESSION);
    trail.record(trail.view(0, undefined), { id: 5, outcome: 2 }, 60_000, undefined);
    const view = trail.view(120_000, undefined);
    assert.deepEqual(contextIds(view, 1), [5]);
    assert.deepEqual(contextIds(view, 2), [SESSION_START, 5]);
    assert.equal(contextIds(view, 3), undefined);
    assert.equal(trail.view(60_000 + 31 * 60_000, undefined).pause, PAUSE_NEW_SESSION);
  });
});

describe('skill vocabulary', () => {
  it('gives ids in order of first appearance and shares one id beyond its capacity', () => {
    const vocabulary = new SkillVocabulary(2);
    const a = vocabulary.intern('a');
    assert.equal(vocabulary.intern('b'), a + 1);
    assert.equal(vocabulary.intern('a'), a);
    assert.equal(vocabulary.intern('c'), OVERFLOW);
    assert.equal(vocabulary.name(a), 'a');
  });
});

describe('prune cutoff', () => {
  it('is the stamp that keeps the newest `keep`, as sorting would give', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 300; trial++) {
      const stamps = new Set<number>();
      const n = 1 + Math.floor(random() * 200);
      while (stamps.size < n) stamps.add(Math.floor(random() * 100_000));
      const keep = 1 + Math.floor(random() * n);
      const sorted = [...stamps].sort((a, b) => a - b);
      assert.equal(pruneCutoff([...stamps], keep), sorted[n - keep]);
    }
    assert.equal(pruneCutoff([5, 3, 9], 0), 9, 'keeps at least one');
  });
});
