import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SkillStore } from '../../src/core/store/store';
import { tempDir } from '../helpers/store';
import { runCliSync } from './realtime-test-support';
import { seedToolsStore } from './tools-seed';

const scratch = tempDir('sb-tool-');
const db = path.join(scratch.dir, 'skills.db');
after(() => scratch.cleanup());
before(async () => {
  const store = await SkillStore.open({ path: db, pollMs: 0 });
  await seedToolsStore(store);
  await store.close();
});

describe('session-buddy tool', () => {
  test('without a name: the tool list with schemas', () => {
    const res = runCliSync(['--db', db, 'tool']);
    assert.equal(res.code, 0, res.err);
    const { tools } = JSON.parse(res.out);
    assert.equal(tools.length, 11);
    assert.deepEqual(tools.find((t: { name: string }) => t.name === 'get_skill_dependencies').inputSchema.required, ['skill_name']);
  });

  test('runs a tool with --args and prints its JSON answer', () => {
    const res = runCliSync(['--db', db, 'tool', 'get_skill_dependencies', '--args', '{"skill_name": "lint", "limit": 1}']);
    assert.equal(res.code, 0, res.err);
    const answer = JSON.parse(res.out);
    assert.equal(answer.success, true);
    assert.deepEqual(answer.dependencies.map((d: { skill_b: string }) => d.skill_b), ['fmt']);
    const tracked = JSON.parse(runCliSync(['--db', db, 'tool', 'track_skill_invocation', '--args', '{"skill_name": "cli-agent"}']).out);
    assert.match(tracked.session_id, /^cli-\d{4}-\d{2}-\d{2}$/, "the CLI's daily session");
  });

  test('bad JSON, bad arguments and unknown tools exit 2 with the reason; a failed answer exits 1 after printing it', () => {
    const badJson = runCliSync(['--db', db, 'tool', 'get_skill_trend', '--args', '{skill_name: x}']);
    assert.equal(badJson.code, 2);
    assert.match(badJson.err, /--args is not valid JSON/);
    const missing = runCliSync(['--db', db, 'tool', 'get_skill_trend']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /"skill_name" is required/);
    const unknown = runCliSync(['--db', db, 'tool', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown tool "nope"/);
    const failed = runCliSync(['--db', db, 'tool', 'predict_skill_success', '--args', '{"skill_name": "lint"}']);
    assert.equal(failed.code, 1);
    assert.equal(JSON.parse(failed.out).success, false);
    assert.match(failed.err, /has not been trained yet/);
  });
});
