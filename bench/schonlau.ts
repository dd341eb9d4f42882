// The Schonlau masquerade data (../shared/data/schonlau, its README says where it comes from) as skill
// runs, converted as issue 17 says: each user's first `perUser` commands (the first 5,000 are free of
// injected blocks), one command a minute per user, every user starting at the same time, all users
// interleaved in time order with ties in file order (User1, User2, … User50). No sessions are given,
// so a session is a stretch without a 30-minute pause: here, one per user.
import fs from 'node:fs';
import path from 'node:path';
import type { SkillRunEvent } from '../src/core/recommend/nextSkillTypes';
import { ROOT } from './common';

export const SCHONLAU_DIR = path.join(ROOT, '..', 'shared', 'data', 'schonlau');
const START_MS = Date.UTC(2001, 0, 1);
const MINUTE_MS = 60_000;

/** The user files in file order: User1, User2, … (numerically). */
export function schonlauUsers(dir = SCHONLAU_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^User\d+$/.test(name))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
}

export function schonlauEvents(perUser: number, dir = SCHONLAU_DIR): SkillRunEvent[] {
  const users = schonlauUsers(dir);
  const commands = users.map((user) => fs.readFileSync(path.join(dir, user), 'utf8').split('\n').filter((line) => line.length > 0).slice(0, perUser));
  const events: SkillRunEvent[] = [];
  let longest = 0;
  for (const list of commands) longest = Math.max(longest, list.length);
  for (let i = 0; i < longest; i++) {
    for (let u = 0; u < users.length; u++) if (i < commands[u].length) events.push({ user: users[u], skill: commands[u][i], atMs: START_MS + i * MINUTE_MS });
  }
  return events;
}

/** The same runs as evaluation input (`session-buddy evaluate --input`): one JSON object a line; returns how many. */
export function writeSchonlauJsonl(file: string, perUser: number, dir = SCHONLAU_DIR): number {
  const events = schonlauEvents(perUser, dir);
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < events.length; i += 10_000) {
      fs.writeSync(fd, events.slice(i, i + 10_000).map((e) => `${JSON.stringify({ user: e.user, skill: e.skill, at: e.atMs })}\n`).join(''));
    }
  } finally {
    fs.closeSync(fd);
  }
  return events.length;
}
