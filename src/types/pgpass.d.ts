// pgpass (the pg client's own pgpass lookup) ships no types.
declare module 'pgpass' {
  interface PgpassKey {
    host: string;
    port: string;
    database: string;
    user: string;
  }
  /** Calls back with the password of the first matching line of PGPASSFILE or ~/.pgpass, or undefined. */
  function pgpass(key: PgpassKey, callback: (password: string | undefined) => void): void;
  export default pgpass;
}
