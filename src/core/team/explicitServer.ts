/**
 * A team server as this process would reach it, written out so that another process (the store
 * host, started by a window with another environment) reaches it the same way. The pg client fills
 * what a URL leaves out from libpq's environment variables and takes a missing password from
 * PGPASSWORD or a pgpass file; here those are resolved in the asking process: the variables become
 * the URL's own parts and parameters, and the password is looked up as the client would look it up.
 */
import pgpass from 'pgpass';
import type { TeamServerArgs } from './editorSync';

/** libpq's variables the pg client reads, and where each goes in a URL. */
const URL_PARAMETERS: readonly (readonly [variable: string, parameter: string])[] = [
  ['PGSSLMODE', 'sslmode'],
  ['PGSSLNEGOTIATION', 'sslnegotiation'],
  ['PGOPTIONS', 'options'],
  ['PGCLIENT_ENCODING', 'client_encoding'],
];

const DEFAULT_PORT = '5432';

/** The URL with the host, port, member, database and libpq parameters the environment would add. */
export function explicitTeamUrl(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const parsed = new URL(url);
  const pgHost = env.PGHOST;
  if (!parsed.hostname && !parsed.searchParams.has('host') && pgHost) {
    // A socket folder cannot be a URL's host name; the pg client takes it as the `host` parameter.
    if (pgHost.startsWith('/')) parsed.searchParams.set('host', pgHost);
    else parsed.hostname = pgHost;
  }
  if (!parsed.username && !parsed.searchParams.has('user') && env.PGUSER) {
    // A URL without a host name cannot carry a member name either; the `user` parameter can.
    if (parsed.hostname) parsed.username = encodeURIComponent(env.PGUSER);
    else parsed.searchParams.set('user', env.PGUSER);
  }
  if (!parsed.port && env.PGPORT) parsed.port = env.PGPORT;
  if (parsed.pathname.replace(/^\//, '') === '' && env.PGDATABASE) parsed.pathname = `/${encodeURIComponent(env.PGDATABASE)}`;
  for (const [variable, parameter] of URL_PARAMETERS) {
    const value = env[variable];
    if (value && !parsed.searchParams.has(parameter)) parsed.searchParams.set(parameter, value);
  }
  return parsed.toString();
}

/** Where a pgpass line is matched: the server's host, port, database and member as the client resolves them. */
interface PgpassKey {
  host: string;
  port: string;
  database: string;
  user: string;
}

function pgpassKey(url: string): PgpassKey {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username) || (parsed.searchParams.get('user') ?? '');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  return { host: parsed.searchParams.get('host') ?? (parsed.hostname || 'localhost'), port: parsed.port || DEFAULT_PORT, database, user };
}

function lookUpPgpass(key: PgpassKey): Promise<string | undefined> {
  return new Promise((resolve) => pgpass(key, resolve));
}

/**
 * The server's URL and password for another process: `password` as given (the editor's secret
 * storage), else PGPASSWORD, else the pgpass file's line for this server; none: the server needs none.
 */
export async function explicitTeamServer(url: string, password?: string, env: NodeJS.ProcessEnv = process.env): Promise<TeamServerArgs> {
  const explicit = explicitTeamUrl(url, env);
  // An empty PGPASSWORD is no password to the pg client, and it turns the pgpass file off (as libpq does).
  const found = password ?? (env.PGPASSWORD || (await lookUpPgpass(pgpassKey(explicit))));
  return found === undefined ? { url: explicit } : { url: explicit, password: found };
}
