// `npm run bench -- <name> [args]`: bundles bench/<name>.ts like the shipped code (esbuild, Node 20),
// runs it, and leaves its JSON in bench/results/<name>.json.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDependencies, nodeWithSqlite, root, run } from './lib.mjs';

ensureDependencies();
const [name, ...args] = process.argv.slice(2);
const available = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [args]`);
  process.exit(2);
}
const outdir = path.join(root, 'out', 'bench');
fs.mkdirSync(outdir, { recursive: true });
const bundle = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', external: ['better-sqlite3', 'pg-native'] };
await build({ ...bundle, entryPoints: [path.join(root, 'bench', `${name}.ts`)], outfile: path.join(outdir, `${name}.js`) });
// The workers beside the bench, where their runners look for them, as in dist/.
for (const [source, worker] of [['store/compactWorker.ts', 'compact-worker.js'], ['analytics/analyticsWorker.ts', 'analytics-worker.js']]) {
  await build({ ...bundle, entryPoints: [path.join(root, 'src', 'core', source)], outfile: path.join(outdir, worker) });
}
fs.copyFileSync(path.join(root, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'), path.join(outdir, 'sql-wasm.wasm'));
// Benchmarks of the file-backed store run its processes on a Node with node:sqlite (see nodeWithSqlite).
const sqliteNode = name === 'memory' ? { SESSION_BUDDY_SQLITE_NODE: nodeWithSqlite() } : {};
run(process.execPath, ['--expose-gc', path.join(outdir, `${name}.js`), ...args], { env: { ...process.env, SESSION_BUDDY_ROOT: root, ...sqliteNode } });
