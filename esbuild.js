// Bundles the extension, the CLI, the store host and the compaction and query workers for Node, the webviews for the browser, and copies the
// sql.js wasm beside the Node bundles (sql.js looks for it next to the bundle). Type checking is
// a separate step (`npm run check-types`) because esbuild does not type-check.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const copyAssets = {
  name: 'copy-assets',
  setup(build) {
    build.onEnd(() => {
      fs.mkdirSync('dist', { recursive: true });
      fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join('dist', 'sql-wasm.wasm'));
    });
  },
};

const esmShim = [
  "import { createRequire as __sbCreateRequire } from 'node:module';",
  "import { fileURLToPath as __sbFileURLToPath } from 'node:url';",
  "import { dirname as __sbDirname } from 'node:path';",
  'const require = __sbCreateRequire(import.meta.url);',
  'const __filename = __sbFileURLToPath(import.meta.url);',
  'const __dirname = __sbDirname(__filename);',
].join('\n');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

// pg requires pg-native only when asked for it (it is a native module we never ship): leave it out.
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['pg-native'] };
const browser = { ...common, platform: 'browser', format: 'iife', target: 'es2022' };

const targets = [
  // Banner and footer time the evaluation of the bundle, which the extension counts as its own activation work.
  {
    ...node,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode', 'pg-native'],
    banner: { js: 'const __sessionBuddyLoad = { start: performance.now(), end: 0 };' },
    footer: { js: '__sessionBuddyLoad.end = performance.now();' },
    plugins: [copyAssets],
  },
  // The CLI and the store host: small CommonJS launchers (the paths every caller starts), then ES
  // modules split so that a run loads only the code it needs (`session-buddy track` through the
  // store host reads none of the analytics, servers or team code; the host loads the agent tools
  // only when one is called).
  { ...node, entryPoints: ['src/cli/launcher.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['src/core/host/hostLauncher.ts'], outfile: 'dist/store-host.js' },
  {
    ...node,
    format: 'esm',
    splitting: true,
    entryPoints: { 'cli-main': 'src/cli/main.ts', 'store-host-main': 'src/core/host/hostMain.ts' },
    outdir: 'dist',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    // The bundled CommonJS packages and our own modules expect require, __filename and __dirname.
    banner: { js: esmShim },
  },
  // Snapshot compaction runs in a worker thread so that it never blocks the extension host.
  { ...node, entryPoints: ['src/core/store/compactWorker.ts'], outfile: 'dist/compact-worker.js' },
  // Dependencies, baselines and the predictor are computed in a worker thread on a replica of its own.
  { ...node, entryPoints: ['src/core/analytics/analyticsWorker.ts'], outfile: 'dist/analytics-worker.js' },
  // The CLI's `sql` runs its query in a worker thread, so that a time limit or Ctrl+C can stop it.
  { ...node, entryPoints: ['src/core/store/queryWorker.ts'], outfile: 'dist/query-worker.js' },
  { ...browser, entryPoints: ['src/webview/recommendations/main.ts'], outfile: 'dist/webview.js' },
  { ...browser, entryPoints: ['src/webview/dashboard/main.ts'], outfile: 'dist/dashboard.js' },
];

async function main() {
  if (watch) {
    const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  // Chunk names change with their content: the last build's would otherwise be packaged too.
  if (fs.existsSync('dist')) for (const file of fs.readdirSync('dist')) if (/\.mjs(\.map)?$/.test(file)) fs.rmSync(path.join('dist', file));
  await Promise.all(targets.map((t) => esbuild.build(t)));
  fs.chmodSync(path.join('dist', 'cli.js'), 0o755);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
