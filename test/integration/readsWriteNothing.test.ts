import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { getRealTimeMetrics } from '../../src/core/analytics/realtimeMetrics';
import { trainPredictor } from '../../src/core/analytics/predictor';
import { getSkillTrend } from '../../src/core/analytics/trend';
import { getDashboardData } from '../../src/core/dashboard/dashboardData';
import { getStoreStatus } from '../../src/core/maintenance/storeStatus';
import { SkillTracker } from '../../src/core/tracking/tracker';
import { getRecommendations } from '../../src/core/recommend/engine';
import { chooseStrategy } from '../../src/core/recommend/strategy';
import { SkillStore } from '../../src/core/store/store';
import { AGENT_TOOLS, runTool } from '../../src/core/tools/agentTools';
import type { ToolContext } from '../../src/core/tools/tool';
import { tempDir } from '../helpers/store';
import { seedToolsStore } from './tools-seed';

/** Every byte of every file beside the store (segments, snapshot, model, locks): what "wrote nothing" means. */
function folderBytes(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, String(name));
    const st = fs.statSync(file);
    files.set(String(name), st.isFile() ? fs.readFileSync(file).toString('base64') : `dir:${st.mtimeMs}`);
  }
  return files;
}

const ARGS: Record<string, Record<string, unknown>> = {
  get_real_time_metrics: { limit: 5 },
  detect_anomalies: {},
  get_skill_trend: { skill_name: 'pytest-run' },
  get_collaborative_recommendations: { user_id: 'alice' },
  get_community_baselines: {},
  get_skill_dependencies: { skill_name: 'lint' },
  predict_skill_success: { skill_name: 'pytest-run' },
  get_ab_test_results: {},
  get_recommendations: { last_skill: 'lint' },
  get_skill_changes: {},
};

/** A store with every tool's data, a running A/B test and a trained model, closed so that nothing is pending. */
async function seeded(dir: string): Promise<string> {
  const db = path.join(dir, 'skills.db');
  const store = await SkillStore.open({ path: db, pollMs: 0 });
  await seedToolsStore(store);
  await trainPredictor(store, { days: 30 });
  await store.close();
  return db;
}

function context(store: SkillStore, mayWrite: boolean): ToolContext {
  return {
    store,
    // A user the running A/B test has never seen: reading their recommendations used to assign them.
    userId: 'newcomer',
    recorder: new SkillTracker(store, 'newcomer'),
    knowSession: () => Promise.reject(new Error('a read asked about a session')),
    session: () => Promise.reject(new Error('a read created a session')),
    existingSession: () => undefined,
    mayWrite: () => mayWrite,
  };
}

describe('reads never write, and a paused store writes nothing', () => {
  test('with writing paused, every read path (every tool but the recording one, recommendations, dashboard, status) leaves every file byte-identical', async () => {
    const { dir, cleanup } = tempDir('sb-reads-');
    try {
      const db = await seeded(dir);
      const store = await SkillStore.open({ path: db, pollMs: 0, compactDelayMs: 3_600_000 });
      const before = folderBytes(dir);
      const ctx = context(store, false);
      for (const tool of AGENT_TOOLS.filter((t) => t.writes !== 'runs')) {
        const result = await runTool(ctx, tool.name, ARGS[tool.name]);
        assert.equal(result.success, true, `${tool.name}: ${result.message}`);
      }
      const refused = await runTool(ctx, 'track_skill_invocation', { skill_name: 'pytest-run' });
      assert.equal(refused.success, false);
      assert.match(refused.message, /tracking is paused/);
      assert.ok(chooseStrategy(store, 'newcomer').abTest, 'a running A/B test chooses the strategy');
      await getRecommendations(store, { userId: 'newcomer', lastSkill: 'lint', languageId: 'typescript' });
      getDashboardData(store, {});
      getStoreStatus(store);
      getRealTimeMetrics(store, {});
      getSkillTrend(store, 'pytest-run', {});
      await store.close({ snapshot: false });
      assert.deepEqual(folderBytes(dir), before);
    } finally {
      cleanup();
    }
  });

  test('the check can fail: with writing allowed, stale derived tables are refreshed and the files change; tools that only read still write nothing', async () => {
    const { dir, cleanup } = tempDir('sb-reads-');
    try {
      const db = await seeded(dir);
      const store = await SkillStore.open({ path: db, pollMs: 0, compactDelayMs: 3_600_000 });
      const before = folderBytes(dir);
      for (const tool of AGENT_TOOLS.filter((t) => t.writes === 'never')) await runTool(context(store, true), tool.name, ARGS[tool.name]);
      assert.deepEqual(folderBytes(dir), before, "tools declared 'never' write nothing even when they may");
      // An hour and a half later the dependency network is stale: get_skill_dependencies refreshes it.
      await store.commit([{ t: 'upsert', table: 'skill_dependencies', key: ['skill_a', 'skill_b'], rows: [{ skill_a: 'lint', skill_b: 'fmt', co_occurrence_count: 1, lift_score: 1, last_updated: '2020-01-01T00:00:00.000Z' }] }]);
      const stale = folderBytes(dir);
      await runTool(context(store, true), 'get_skill_dependencies', ARGS.get_skill_dependencies);
      assert.notDeepEqual(folderBytes(dir), stale, 'a derived refresh is seen by the byte comparison');
      await store.close({ snapshot: false });
    } finally {
      cleanup();
    }
  });
});
