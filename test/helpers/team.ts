import type { Client } from 'pg';
import { addMember, initTeam } from '../../src/core/team/admin';
import { parseTeamServer, type TeamServer } from '../../src/core/team/connection';
import type { TestPostgres } from './postgres';

/** A team store in a new database of a test cluster, set up by its owner (the superuser), with its members. */
export interface TestTeam {
  owner: TeamServer;
  /** The owner's own connection to the team's database; the caller ends it. */
  owned: Client;
  passwords: Map<string, string>;
  /** A member's login to the team. */
  server(member: string): TeamServer;
  /** A setting of session_buddy.settings, as a number. */
  setting(key: string): Promise<number>;
}

export async function createTeam(pg: TestPostgres, database: string, members: readonly string[]): Promise<TestTeam> {
  await pg.createDatabase(database);
  const owner = parseTeamServer(pg.url(pg.superuser, database), pg.superuserPassword);
  await initTeam(owner);
  const owned = await pg.connect(pg.superuser, pg.superuserPassword, database);
  const passwords = new Map<string, string>();
  for (const member of members) passwords.set(member, (await addMember(owner, member)).password);
  return {
    owner,
    owned,
    passwords,
    server: (member) => parseTeamServer(pg.url(member, database), passwords.get(member)),
    setting: async (key) => Number((await owned.query<{ value: string }>('SELECT value FROM session_buddy.settings WHERE key = $1', [key])).rows[0]?.value),
  };
}
