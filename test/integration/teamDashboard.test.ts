import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'pg';
import { addMember, initTeam } from '../../src/core/team/admin';
import { parseTeamServer } from '../../src/core/team/connection';
import { pushToTeam } from '../../src/core/team/push';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres';
import { plant, tempStore } from '../helpers/store';

interface Panel {
  title: string;
  targets: { rawSql: string; format: string }[];
}

const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'grafana', 'team-dashboard.json'), 'utf8')) as { panels: Panel[] };

/** What Grafana does with the one macro the panels use, for a range that holds the planted days. */
function expandMacros(sql: string): string {
  return sql.replace(/\$__timeFilter\((\w+)\)/g, "$1 BETWEEN '2026-10-01' AND '2026-12-31'");
}

/**
 * Every panel's SQL on a real team store, run as a member (the data source's login). Planted:
 * three members run lint and build once a day from 1 to 14 November; lint always completes in the
 * first week, and in the second week only carol's runs complete.
 */
describe('grafana/team-dashboard.json on a team store', postgresSkip(), () => {
  let pg: TestPostgres;
  let grafana: Client;

  before(async () => {
    pg = await startPostgres();
    await pg.createDatabase('team');
    const owner = parseTeamServer(pg.url(pg.superuser, 'team'), pg.superuserPassword);
    await initTeam(owner);
    for (const member of ['alice', 'bob', 'carol']) {
      const { password } = await addMember(owner, member);
      const local = await tempStore();
      try {
        const days = Array.from({ length: 14 }, (_, d) => `2026-11-${String(d + 1).padStart(2, '0')}T09:00:00.000Z`);
        await plant(local.store, days.flatMap((at, d) => [
          { skill: 'lint', at, session: `${member}-${d}`, completed: d < 7 || member === 'carol', duration: 10 },
          { skill: 'build', at, session: `${member}-${d}`, duration: 60 },
        ]));
        await pushToTeam(local.store, parseTeamServer(pg.url(member, 'team'), password));
      } finally {
        await local.close();
      }
    }
    const admin = await pg.connect(pg.superuser, pg.superuserPassword, 'team');
    await admin.query("SELECT session_buddy.refresh_rollups('0')");
    await admin.end();
    const { password } = await addMember(owner, 'grafana');
    grafana = await pg.connect('grafana', password, 'team');
  });

  after(async () => {
    await grafana?.end();
    pg?.stop();
  });

  test('the dashboard has the four views the issue names', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const wanted of [/completion by skill/i, /slowest/i, /regressions/i, /adoption/i]) assert.ok(titles.some((t) => wanted.test(t)), `${wanted} in ${titles.join(', ')}`);
  });

  for (const panel of dashboard.panels) {
    test(`panel "${panel.title}" returns rows`, async () => {
      for (const target of panel.targets) {
        const result = await grafana.query(expandMacros(target.rawSql));
        assert.ok(result.rows.length > 0, `no rows from ${target.rawSql}`);
        if (target.format === 'time_series') assert.ok(result.rows[0].time instanceof Date, 'a time column');
      }
    });
  }

  test('the regressions panel finds lint: 3/3 completed in the first week, 1/3 in the second', async () => {
    const panel = dashboard.panels.find((p) => /regressions/i.test(p.title))!;
    const rows = (await grafana.query<{ skill_name: string; previous_rate: number; recent_rate: number }>(panel.targets[0].rawSql)).rows;
    assert.deepEqual(rows.map((r) => r.skill_name), ['lint']);
    assert.equal(Number(rows[0].previous_rate), 1);
    assert.ok(Math.abs(Number(rows[0].recent_rate) - 1 / 3) < 1e-9);
  });
});
