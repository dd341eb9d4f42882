import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CRACKERJACK_PHASES, trackCrackerjackPhase } from '../../src/core/integrations/crackerjack';
import { SkillStore } from '../../src/core/store/store';
import { tempDir, tempStore } from '../helpers/store';
import { runCliSync } from './realtime-test-support';

const scratch = tempDir('sb-cj-');
after(() => scratch.cleanup());

describe('crackerjack phases', () => {
  test('the anchor mapping, recorded in workflow_phase (not workflow_path) with the real duration', async () => {
    assert.deepEqual(CRACKERJACK_PHASES, { fast_hooks: 'setup', tests: 'execution', comprehensive_hooks: 'verification', ai_fix: 'execution' });
    const env = await tempStore();
    try {
      const runs = [
        { phase: 'fast_hooks', skill: 'ruff-check', completed: true, durationSeconds: 0.8 },
        { phase: 'tests', skill: 'pytest-run', completed: false, durationSeconds: 42.25, errorType: 'test_failures' },
        { phase: 'comprehensive_hooks', skill: 'mypy-check', completed: true, durationSeconds: 12 },
        { phase: 'ai_fix', skill: 'refactoring-agent', completed: true, durationSeconds: 95 },
      ];
      const ids = [];
      for (const run of runs) ids.push(await trackCrackerjackPhase(env.store, 'dev', run));
      const rows = ids.map((id) => env.store.db.exec('SELECT skill_name, workflow_phase, workflow_step_id, workflow_path, completed, duration_seconds, error_type, session_id FROM skill_invocation WHERE id = ?', [id])[0].values[0]);
      const today = new Date().toISOString().slice(0, 10);
      assert.deepEqual(rows, [
        ['ruff-check', 'setup', 'fast_hooks', 'crackerjack', 1, 0.8, null, `crackerjack-${today}`],
        ['pytest-run', 'execution', 'tests', 'crackerjack', 0, 42.25, 'test_failures', `crackerjack-${today}`],
        ['mypy-check', 'verification', 'comprehensive_hooks', 'crackerjack', 1, 12, null, `crackerjack-${today}`],
        ['refactoring-agent', 'execution', 'ai_fix', 'crackerjack', 1, 95, null, `crackerjack-${today}`],
      ]);
      const avg = env.store.db.exec("SELECT avg_duration_seconds FROM skill_metrics WHERE skill_name = 'mypy-check'")[0].values[0][0];
      assert.equal(avg, 12, 'the real duration reaches the metrics (the anchor recorded 0.01 s)');
      await assert.rejects(trackCrackerjackPhase(env.store, 'dev', { phase: 'lint', skill: 'x', completed: true, durationSeconds: 1 }), /phase: must be one of fast_hooks, tests, comprehensive_hooks, ai_fix/);
      await assert.rejects(trackCrackerjackPhase(env.store, 'dev', { phase: 'tests', skill: 'x', completed: true, durationSeconds: -1 }), /duration: must not be negative/);
    } finally {
      await env.close();
    }
  });

  test('session-buddy crackerjack track', async () => {
    const db = path.join(scratch.dir, 'skills.db');
    const ok = runCliSync(['--db', db, 'crackerjack', 'track', '--phase', 'comprehensive_hooks', '--skill', 'bandit-security', '--failed', '--duration', '7.5', '--error', 'high_severity', '--session', 'cj-run-1']);
    assert.equal(ok.code, 0, ok.err);
    const store = await SkillStore.open({ path: db, pollMs: 0, mode: 'inspect' });
    try {
      const row = store.db.exec('SELECT skill_name, workflow_phase, completed, duration_seconds, error_type, session_id FROM skill_invocation WHERE id = ?', [Number(ok.out)])[0].values[0];
      assert.deepEqual(row, ['bandit-security', 'verification', 0, 7.5, 'high_severity', 'cj-run-1']);
    } finally {
      await store.close({ snapshot: false });
    }
    const both = runCliSync(['--db', db, 'crackerjack', 'track', '--phase', 'tests', '--skill', 'pytest-run', '--completed', '--failed', '--duration', '1']);
    assert.equal(both.code, 2);
    assert.match(both.err, /either --completed or --failed/);
    const badPhase = runCliSync(['--db', db, 'crackerjack', 'track', '--phase', 'lint', '--skill', 'x', '--duration', '1']);
    assert.equal(badPhase.code, 2);
    assert.match(badPhase.err, /--phase must be one of fast_hooks, tests, comprehensive_hooks, ai_fix/);
    const noDuration = runCliSync(['--db', db, 'crackerjack', 'track', '--phase', 'tests', '--skill', 'x']);
    assert.equal(noDuration.code, 2);
  });
});
