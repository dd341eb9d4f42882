import fs from 'node:fs';
import path from 'node:path';

/** A one-line secret kept in a file beside the database, readable by its owner only. */
export interface SecretFileKind {
  /** What a well-formed value looks like. */
  shape: RegExp;
  /** Completes "<file> does not hold …" when the file is damaged, e.g. "a valid token (delete it to generate a new one)". */
  expected: string;
}

/** Reads the file, or undefined when there is none. A damaged file is an error, not a silent regeneration. */
export function readSecretFile(file: string, kind: SecretFileKind): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const value = text.trim();
  if (!kind.shape.test(value)) throw new Error(`${file} does not hold ${kind.expected}`);
  restrictToOwner(file);
  return value;
}

/** The value in the file, created with mode 0600 on first use. Two processes racing to create it agree on one. */
export function loadOrCreateSecretFile(file: string, kind: SecretFileKind, create: () => string): string {
  const existing = readSecretFile(file, kind);
  if (existing) return existing;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const value = create();
  try {
    fs.writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    restrictToOwner(file);
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readSecretFile(file, kind) ?? value;
  }
}

/** A file created by an older version or by hand may be group/world readable: tighten it. */
export function restrictToOwner(file: string): void {
  if (process.platform === 'win32') return;
  const mode = fs.statSync(file).mode & 0o777;
  if (mode !== 0o600) fs.chmodSync(file, 0o600);
}
