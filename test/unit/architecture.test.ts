import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

/** Every module a file loads: static and dynamic imports, re-exports, require(). */
function importsOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const patterns = [
    /\b(import|export)\s+(type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const match of text.matchAll(patterns[0])) found.push({ specifier: match[3], typeOnly: Boolean(match[2]) });
  for (const match of text.matchAll(patterns[1])) found.push({ specifier: match[1], typeOnly: false });
  for (const match of text.matchAll(patterns[2])) found.push({ specifier: match[1], typeOnly: false });
  return found;
}

function relative(file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

test('the import scanner sees every form of import (so the checks below can fail)', () => {
  const sample = path.join(root, 'test', 'unit', 'architecture.test.ts');
  const specifiers = importsOf(sample).map((i) => i.specifier);
  assert.ok(specifiers.includes('node:fs') && specifiers.includes('node:os') && specifiers.includes('node:test'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-arch-'));
  const probe = path.join(tmp, 'probe.ts');
  fs.writeFileSync(probe, "import * as vscode from 'vscode';\nimport type { X } from \"vscode\";\nconst v = require('vscode');\nawait import('vscode');\nexport { y } from 'vscode';\n");
  try {
    assert.equal(importsOf(probe).filter((i) => i.specifier === 'vscode').length, 5);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("no file under src/core imports 'vscode'", () => {
  const offenders = sourceFiles(path.join(root, 'src', 'core')).filter((file) => importsOf(file).some((i) => i.specifier === 'vscode'));
  assert.deepEqual(offenders.map(relative), []);
});

test('src/core does not depend on the editor adapters or the webviews', () => {
  const offenders = sourceFiles(path.join(root, 'src', 'core')).flatMap((file) =>
    importsOf(file)
      .filter((i) => /(^|\/)(vscode|webview|cli)\//.test(i.specifier) || i.specifier.endsWith('/extension'))
      .map((i) => `${relative(file)} → ${i.specifier}`),
  );
  assert.deepEqual(offenders, []);
});

test('webview code loads no Node or extension-host module; it takes only types from the core', () => {
  const offenders = sourceFiles(path.join(root, 'src', 'webview')).flatMap((file) =>
    importsOf(file)
      .filter((i) => i.specifier === 'vscode' || i.specifier.startsWith('node:') || ((i.specifier.includes('/core/') || i.specifier.includes('/vscode/')) && !i.typeOnly))
      .map((i) => `${relative(file)} → ${i.specifier}`),
  );
  assert.deepEqual(offenders, []);
});

test('src/shared, which every layer and the browser bundles load, imports nothing outside itself', () => {
  const files = sourceFiles(path.join(root, 'src', 'shared'));
  assert.ok(files.length > 0, 'src/shared exists');
  const offenders = files.flatMap((file) =>
    importsOf(file)
      .filter((i) => !i.specifier.startsWith('./'))
      .map((i) => `${relative(file)} → ${i.specifier}`),
  );
  assert.deepEqual(offenders, []);
});

/**
 * The floors inside src/core: a module imports from its own floor or below, never above, so the
 * store never learns about analytics and the analytics never about the agent tools.
 */
const CORE_FLOORS: Record<string, number> = {
  '': 0, // time.ts, days.ts, limits.ts, measures.ts, validation.ts
  store: 1,
  tracking: 2,
  analytics: 3,
  integrations: 3,
  importer: 3,
  maintenance: 3,
  recommend: 4,
  realtime: 4,
  agents: 4, // the OTLP receiver: tracking below it, the real-time server's request guards beside it
  dashboard: 4,
  demo: 4,
  team: 4,
  tools: 5,
  evaluation: 5, // replays runs through tracking into a store and asks the recommenders
  window: 5, // what an editor window's trackers and views read and write: the dashboard's and the recommenders' answers
  operations: 5, // the CLI's commands on the store, run by the store host or by the command: the analytics below them
  host: 6, // the store host serves the agent tools and the reads over its socket
};

function coreArea(file: string): string {
  const rel = path.relative(path.join(root, 'src', 'core'), file).split(path.sep);
  return rel.length === 1 ? '' : rel[0];
}

test('every area of src/core has a floor (so the rule below covers new folders too)', () => {
  const areas = new Set(sourceFiles(path.join(root, 'src', 'core')).map(coreArea));
  assert.deepEqual([...areas].filter((a) => !(a in CORE_FLOORS)), []);
});

/** Every import between two areas of src/core, with both floors. */
function crossAreaImports(): { from: string; to: string; fromFloor: number; toFloor: number }[] {
  return sourceFiles(path.join(root, 'src', 'core')).flatMap((file) =>
    importsOf(file)
      .filter((i) => i.specifier.startsWith('.'))
      .map((i) => path.resolve(path.dirname(file), i.specifier))
      .filter((target) => target.startsWith(path.join(root, 'src', 'core')) && coreArea(`${target}.ts`) !== coreArea(file))
      .map((target) => ({ from: relative(file), to: relative(target), fromFloor: CORE_FLOORS[coreArea(file)], toFloor: CORE_FLOORS[coreArea(`${target}.ts`)] })),
  );
}

test('inside src/core, imports go down the floors: base < store < tracking < analytics < recommend/realtime/dashboard < tools', () => {
  const imports = crossAreaImports();
  assert.ok(imports.filter((i) => i.toFloor < i.fromFloor).length > 50, 'the scan resolves imports between areas (so it can find an upward one)');
  assert.deepEqual(imports.filter((i) => i.toFloor > i.fromFloor).map((i) => `${i.from} (floor ${i.fromFloor}) → ${i.to} (floor ${i.toFloor})`), []);
});
