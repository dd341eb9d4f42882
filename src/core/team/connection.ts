/**
 * Where the team's PostgreSQL server is and how to reach it. The URL comes from `--team-url`, then
 * SESSION_BUDDY_TEAM_URL, then the editor's `sessionBuddy.team.url`. It never carries a password:
 * a URL lands in settings files, shell history and process lists, so one with a password is refused
 * and the password comes from the editor's secret storage, PGPASSWORD or a pgpass file (the pg
 * client reads the last two itself). `sslmode` and the other libpq parameters of the URL are passed
 * to the client unchanged.
 */
import { Client, type ClientConfig } from 'pg';

export const TEAM_URL_ENV = 'SESSION_BUDDY_TEAM_URL';

/** A failure the user can act on, said in one line. `transient` ones are retried (the server may come back). */
export class TeamError extends Error {
  constructor(message: string, readonly transient = false, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface TeamServer {
  url: string;
  /** host:port/database, for messages and the local cursor row: never the user or any secret. */
  label: string;
  user: string;
  /** Only from the editor's secret storage; otherwise PGPASSWORD or the pgpass file apply. */
  password?: string;
}

const PASSWORD_PLACES = "VS Code's secret storage (Session Buddy: Set Team Password), the PGPASSWORD environment variable, or a pgpass file (~/.pgpass or PGPASSFILE)";

/** The first URL given, checked; undefined when none is. */
export function resolveTeamUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, setting?: string): string | undefined {
  const url = [flag, env[TEAM_URL_ENV], setting].map((u) => u?.trim()).find((u) => u);
  return url || undefined;
}

export function parseTeamServer(url: string, password?: string): TeamServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TeamError('the team URL is not a URL (expected postgresql://member@host:5432/database?sslmode=verify-full)');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new TeamError(`the team URL must start with postgresql:// (got ${parsed.protocol}//)`);
  }
  if (parsed.password) throw new TeamError(`the team URL contains a password; remove it from the URL and put it in ${PASSWORD_PLACES}`);
  const user = decodeURIComponent(parsed.username) || parsed.searchParams.get('user') || process.env.PGUSER || '';
  if (!user) throw new TeamError('the team URL names no member (postgresql://member@host/database)');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  const label = `${parsed.hostname}:${parsed.port || '5432'}/${database}`;
  return { url, label, user, password };
}

/** What the pg client reports, said as one line about the team server. */
export function describeFailure(err: unknown, server: TeamServer): TeamError {
  if (err instanceof TeamError) return err;
  const e = err as { code?: string; message?: string; hostname?: string };
  const host = server.label.split(':')[0];
  switch (e.code) {
    case '28P01':
      return new TeamError(`wrong password for team member "${server.user}" at ${server.label} (set it in ${PASSWORD_PLACES})`, false, { cause: err });
    case '28000':
      return new TeamError(`the team server ${server.label} does not let "${server.user}" log in (ask the owner to run session-buddy team add-member)`, false, { cause: err });
    case '3D000':
      return new TeamError(`the team server has no database ${server.label.split('/')[1]}`, false, { cause: err });
    case 'ENOTFOUND':
      return new TeamError(`unknown host "${host}" in the team URL`, false, { cause: err });
    case 'EAI_AGAIN':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EPIPE':
    case '57P01':
    case '57P03':
    case '08006':
    case '08001':
      return new TeamError(`the team server ${server.label} is not reachable (${e.code})`, true, { cause: err });
    case '42501':
      return new TeamError(`the team server refused: ${e.message ?? 'permission denied'}`, false, { cause: err });
    // A row the server's constraints refuse, or a quota: the server's own words say which.
    case '23514':
    case '54000':
      return new TeamError(`the team server refused: ${e.message ?? 'a row it does not take'}`, false, { cause: err });
    default:
      // The pg client's words when neither the caller, PGPASSWORD nor a pgpass file gave a password.
      if (/client password must be a string/.test(e.message ?? '')) {
        return new TeamError(`no password for team member "${server.user}" at ${server.label} (set it in ${PASSWORD_PLACES})`, false, { cause: err });
      }
      if (/Connection terminated|timeout/i.test(e.message ?? '')) return new TeamError(`the team server ${server.label} is not reachable (${e.message})`, true, { cause: err });
      return new TeamError(`team server ${server.label}: ${e.message ?? String(err)}`, false, { cause: err });
  }
}

/**
 * The pg client lets its connection string's fields override `password`, so a password from the
 * secret storage goes into the URL handed to the client, in memory only.
 */
function withPassword(server: TeamServer): string {
  if (server.password === undefined) return server.url;
  const url = new URL(server.url);
  url.password = server.password;
  return url.toString();
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** Stops one statement that hangs (a lock, a lost connection) instead of the caller. */
  statementTimeoutMs?: number;
}

/** A connected client, or a TeamError saying why not. The caller ends it. */
export async function connectTeam(server: TeamServer, options: ConnectOptions = {}): Promise<Client> {
  const config: ClientConfig = {
    connectionString: withPassword(server),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 120_000,
    application_name: 'session-buddy',
  };
  const client = new Client(config);
  // A server that goes away mid-session emits 'error' on the client; the running query rejects too.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw describeFailure(err, server);
  }
  return client;
}

/** Runs work on a fresh connection and ends it, with failures said as TeamErrors. */
export async function withTeam<T>(server: TeamServer, work: (client: Client) => Promise<T>, options?: ConnectOptions): Promise<T> {
  const client = await connectTeam(server, options);
  try {
    return await work(client);
  } catch (err) {
    throw describeFailure(err, server);
  } finally {
    await client.end().catch(() => undefined);
  }
}
