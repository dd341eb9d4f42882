import type { SkillStore, StoreMode } from '../core/store/store';
import { maxOf } from '../core/collections';
import type { HostMethod } from '../core/host/protocol';
import type { HostUse } from './hostChoice';
import { StoreHostRoute, storeHostUse, type HostRequestOptions } from './storeHostRoute';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** A failure the user can act on: printed as one line, exit code 1. */
export class CliError extends Error {}

/** What every command (program.ts and the groups in commands/*.ts) gets to work with. */
export interface CliContext {
  io: CliIo;
  /** The --db option (undefined: SESSION_BUDDY_DB, then the per-user default). */
  dbPath(): string | undefined;
  /** Opens the store ('work' upgrades and accepts writes; 'read' and 'inspect' never write, see StoreMode), runs, closes. */
  withStore<T>(mode: StoreMode, work: (store: SkillStore) => Promise<T> | T): Promise<T>;
  /** Opens the store for a caller that closes it itself (a server that opens it only when first needed). */
  openStore(mode: StoreMode): Promise<SkillStore>;
  /** How the store host is used: started when none runs, only a running one, or never (hostChoice.ts). */
  hostUse(): HostUse;
  /** Formats rows as an aligned text table. */
  table(rows: object[]): string;
  json(value: unknown): string;
  /**
   * Asks the store host (see storeHostRoute.ts); undefined when the command should open the store
   * itself. An error the host answered is thrown (a usage error as one).
   */
  viaHost(method: HostMethod, params: Record<string, unknown>, stop?: Promise<void>, options?: HostRequestOptions): Promise<unknown>;
}

/** The context of one run of the program; `dbPath` and `storeHost` (the --store-host flag) are read when a command runs, after parsing. */
export function cliContext(io: CliIo, dbPath: () => string | undefined, storeHost: () => boolean | undefined): CliContext {
  const use = () => storeHostUse(storeHost());
  const route = new StoreHostRoute(use, dbPath, (m) => io.err(`session-buddy: ${m}\n`));
  return {
    io,
    dbPath,
    hostUse: use,
    viaHost: (method, params, stop, options) => route.request(method, params, stop, options),
    withStore: (mode, work) => withStore(dbPath(), mode, io, work),
    openStore: (mode) => openStore(dbPath(), mode, io),
    table: formatTable,
    json,
  };
}

async function openStore(db: string | undefined, mode: StoreMode, io: CliIo): Promise<SkillStore> {
  const { SkillStore } = await import('../core/store/store');
  return SkillStore.open({ path: db, mode, onMessage: (m) => io.err(`session-buddy: ${m}\n`) });
}

async function withStore<T>(db: string | undefined, mode: StoreMode, io: CliIo, work: (store: SkillStore) => Promise<T> | T): Promise<T> {
  const store = await openStore(db, mode, io);
  try {
    return await work(store);
  } finally {
    await store.close({ snapshot: mode === 'work' });
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function formatTable(rows: object[]): string {
  const records = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v !== 'object' || v === null)));
  const columns = Object.keys(records[0] ?? {});
  const cell = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v ?? ''));
  const widths = columns.map((c) => maxOf(records.map((r) => cell(r[c]).length), c.length));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), ...records.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}
