import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { COMMANDS } from '../../src/vscode/commandIds';
import { parseSettings, SECTION, SETTING_DEFAULTS, type SettingKey } from '../../src/vscode/settingsSchema';

const ROOT = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string }[]; configuration: { properties: Record<string, { default: unknown }> } | { properties: Record<string, { default: unknown }> }[] };
};
const properties: Record<string, { default: unknown }> = Object.assign({}, ...[manifest.contributes.configuration].flat().map((c) => c.properties));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => path.join(ROOT, dir, f));
}

test('every contributed setting is in the settings table with the manifest\'s default, and nothing else is', () => {
  const contributed = Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, p.default]));
  const table = Object.fromEntries(Object.entries(SETTING_DEFAULTS).map(([key, value]) => [`${SECTION}.${key}`, value]));
  assert.deepEqual(table, contributed);
});

test('parseSettings reads every setting once, and the defaults give the documented behaviour', () => {
  const asked: SettingKey[] = [];
  const settings = parseSettings((key) => {
    asked.push(key);
    return SETTING_DEFAULTS[key];
  });
  assert.deepEqual([...asked].sort(), Object.keys(SETTING_DEFAULTS).sort());
  assert.equal(settings.trackingEnabled, true);
  assert.equal(settings.realtime.host, '127.0.0.1');
  assert.equal(settings.realtime.intervalMs, 1000);
  assert.equal(settings.realtime.metricsRequireToken, true);
  assert.equal(settings.dayBoundary, 'local');
});

test('a hand-edited value of the wrong type falls back to the default instead of reaching the code', () => {
  const settings = parseSettings((key) => (key === 'realtime.port' ? 'eighty' : key === 'tracking.enabled' ? 'no' : SETTING_DEFAULTS[key]));
  assert.equal(settings.realtime.port, 8765);
  assert.equal(settings.trackingEnabled, true);
});

test('the contributed commands are exactly the command table, and every one is registered through it', () => {
  assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.values(COMMANDS).sort());
  const sources = sourceFiles('src').filter((f) => !f.endsWith(path.join('vscode', 'commandIds.ts'))).map((f) => [f, fs.readFileSync(f, 'utf8')] as const);
  const registered = new Set<string>();
  for (const [, text] of sources) {
    for (const m of text.matchAll(/(?:registerCommand|registerGuardedCommand|command)\(\s*COMMANDS\.(\w+)/g)) registered.add(m[1]);
  }
  assert.deepEqual([...registered].sort(), Object.keys(COMMANDS).sort(), 'every command in the table is registered, by its table name');
  const literal = new RegExp(`'(${Object.values(COMMANDS).map((id) => id.replace('.', '\\.')).join('|')})'`);
  for (const [file, text] of sources) assert.doesNotMatch(text, literal, `${path.relative(ROOT, file)} spells a command id instead of using COMMANDS`);
});
