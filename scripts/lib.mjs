// Shared by the npm scripts: install dependencies when they are missing or stale, and run commands
// with inherited output, failing loudly.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`\n✗ ${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
    process.exit(result.status || 1);
  }
}

/**
 * Runs a chatty command with its output held back: on success only the lines matching `keep` are
 * printed (vsce lists every file it packs), on failure everything, so nothing needed is hidden.
 */
export function runQuietly(command, args, keep) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) {
    process.stderr.write(output);
    console.error(`\n✗ ${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
    process.exit(result.status || 1);
  }
  for (const line of output.split('\n')) if (keep.test(line)) console.log(line.trim());
}

/** `npm ci` when node_modules is missing or older than package-lock.json (a fresh clone, a pull). */
export function ensureDependencies() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  const fresh = fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs;
  if (!fresh) run('npm', ['ci', '--no-audit', '--no-fund']);
}

export function filesUnder(dir, suffix) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => f.endsWith(suffix))
    .sort();
}

/**
 * The Node that ships node:sqlite in VS Code's runtime line (22), for the file-backed store's tests:
 * pinned, from the npm registry (the `node` package brings the platform's binary), into a folder of
 * the project's own that git ignores. Only fetched when the system Node lacks node:sqlite (Node 20).
 */
const NODE_WITH_SQLITE = '22.23.3';

function hasNodeSqlite(node) {
  return spawnSync(node, ['-e', "require('node:sqlite')"], { stdio: 'ignore' }).status === 0;
}

/** A node binary that has node:sqlite: this one if it does, else the pinned Node 22, installed once. */
export function nodeWithSqlite() {
  if (hasNodeSqlite(process.execPath)) return process.execPath;
  const dir = path.join(root, '.runtime', `node-${NODE_WITH_SQLITE}`);
  const node = path.join(dir, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  if (fs.existsSync(node) && hasNodeSqlite(node)) return node;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'session-buddy-test-node', private: true }, null, 2)}\n`);
  console.log(`node:sqlite is missing from Node ${process.versions.node}: installing node@${NODE_WITH_SQLITE} from the npm registry into ${path.relative(root, dir)}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', dir, `node@${NODE_WITH_SQLITE}`]);
  if (!hasNodeSqlite(node)) throw new Error(`${node} has no node:sqlite`);
  return node;
}

/** What the packaged extension is built from. */
const PACKAGE_SOURCES = ['src', 'media', 'migrations', 'package.json', 'esbuild.js'];

/** Whether `vsix` is missing or older than any file it is built from (screenshots aside). */
export function packageIsStale(vsix) {
  if (!fs.existsSync(vsix) || !fs.existsSync(path.join(root, 'dist', 'cli.js'))) return true;
  const built = fs.statSync(vsix).mtimeMs;
  for (const entry of PACKAGE_SOURCES) {
    const abs = path.join(root, entry);
    if (!fs.existsSync(abs)) continue;
    const files = fs.statSync(abs).isDirectory()
      ? fs.readdirSync(abs, { recursive: true }).map((f) => path.join(abs, String(f))).filter((f) => !f.includes(`${path.sep}screenshots${path.sep}`))
      : [abs];
    if (files.some((file) => fs.statSync(file).mtimeMs > built)) return true;
  }
  return false;
}
