import fs from 'node:fs';
import path from 'node:path';

/** A worker entry that loads a TypeScript source through tsx (worker threads do not inherit the --import hook). */
export function tsWorkerEntry(dir: string, source: string): string {
  const entry = path.join(dir, `${path.basename(source, '.ts')}.cjs`);
  const absolute = path.resolve(__dirname, '..', '..', source);
  fs.writeFileSync(entry, `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\nrequire(${JSON.stringify(absolute)});\n`);
  return entry;
}
