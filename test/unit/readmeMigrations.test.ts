import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');

/** `V1__initial_schema`, … in version order, from the up scripts in migrations/. */
function migrationNames(): string[] {
  return fs.readdirSync(path.join(ROOT, 'migrations'))
    .map((file) => /^(V(\d+)__\w+?)__up\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[2]) - Number(b[2]))
    .map((m) => m[1]);
}

/** The names the README's "Schema and migrations" section lists, one bullet each, in its order. */
function readmeList(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /^## Schema and migrations\n([\s\S]*?)^## /m.exec(readme);
  assert.ok(section, 'the README has a "Schema and migrations" section');
  return [...section[1].matchAll(/^- `(V\d+__\w+)`/gm)].map((m) => m[1]);
}

test("the README's migration list is the one in migrations/, in order", () => {
  const names = migrationNames();
  assert.ok(names.length >= 9, `the scan finds the migrations (${names.join(', ')})`);
  assert.deepEqual(readmeList(), names);
});
