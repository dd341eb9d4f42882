/**
 * Team profiles: an anonymised summary of one user's skill use that teammates import, so that
 * collaborative filtering and community baselines span the team without sharing raw data.
 *
 * A profile holds the sha256 of the user id, the export time, and per skill: invocations, completed
 * invocations, the completion rate (0..1) and invocation counts per workflow phase. No file,
 * project, session or command names, no timestamps of single runs, no durations.
 *
 * How an imported profile is stored: as synthetic skill_user_interactions rows under the hashed user
 * id, one row per counted invocation (so counts and rates are reproduced exactly), all with
 * invoked_at = the profile's exported_at, in marker sessions `profile:<hash>` — or
 * `profile:<hash>:<phase>` for rows the profile counted in a phase (baselines.ts reads the phase back
 * from there). Nothing goes into skill_invocation, so local metrics, time series and dependencies
 * only ever describe local work. Re-importing replaces the user's rows in one commit (delete by
 * user id, then insert); a profile older than the stored one, the stored one itself, or the profile
 * of a local user is skipped. Retention ages imported rows out like any other interaction, by exported_at.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlValue } from '../store/sqlDatabase';
import type { StoreEvent } from '../store/events';
import { all } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { isCanonical, nowTimestamp } from '../time';
import { hasControlCharacters, requireName } from '../validation';
import { updateCommunityBaselines } from './baselines';
import { appendAll } from '../collections';
import { plural } from '../../shared/words';

export const PROFILE_FORMAT = 'session-buddy-team-profile';
export const PROFILE_FORMAT_VERSION = 1;
export const PROFILE_SESSION_PREFIX = 'profile:';
/** Bounds that keep an imported profile's synthetic rows to a sane size. */
export const PROFILE_LIMITS = { skills: 10_000, invocations: 1_000_000, phases: 50, phaseLength: 64 } as const;

export interface ProfileSkill {
  skill_name: string;
  invocations: number;
  completed: number;
  /** 0..1 */
  completion_rate: number;
  phases: Record<string, number>;
}

export interface TeamProfile {
  format: typeof PROFILE_FORMAT;
  format_version: typeof PROFILE_FORMAT_VERSION;
  /** sha256 (hex) of the user id */
  user_hash: string;
  exported_at: string;
  skills: ProfileSkill[];
}

export function hashUserId(userId: string): string {
  return crypto.createHash('sha256').update(userId).digest('hex');
}

/** The local user's own work (sessions of that user), anonymised. */
export function exportProfile(store: Store, userId: string): TeamProfile {
  const user = requireName('userId', userId);
  const counts = all<{ skill_name: string; n: number; c: number }>(
    store.db,
    `SELECT i.skill_name, COUNT(*) AS n, SUM(CASE WHEN i.completed = 1 THEN 1 ELSE 0 END) AS c
     FROM skill_sessions s JOIN skill_invocation i ON i.session_id = s.session_id
     WHERE s.user_id = ? GROUP BY i.skill_name ORDER BY i.skill_name`,
    [user],
  );
  const phases = all<{ skill_name: string; phase: string; n: number }>(
    store.db,
    `SELECT i.skill_name, i.workflow_phase AS phase, COUNT(*) AS n
     FROM skill_sessions s JOIN skill_invocation i ON i.session_id = s.session_id
     WHERE s.user_id = ? AND i.workflow_phase IS NOT NULL AND i.workflow_phase <> ''
     GROUP BY i.skill_name, i.workflow_phase ORDER BY i.skill_name, i.workflow_phase`,
    [user],
  );
  const phasesBySkill = new Map<string, Record<string, number>>();
  for (const p of phases) {
    const entry = phasesBySkill.get(p.skill_name) ?? {};
    entry[p.phase] = p.n;
    phasesBySkill.set(p.skill_name, entry);
  }
  return {
    format: PROFILE_FORMAT,
    format_version: PROFILE_FORMAT_VERSION,
    user_hash: hashUserId(user),
    exported_at: nowTimestamp(),
    skills: counts.map((r) => ({ skill_name: r.skill_name, invocations: r.n, completed: r.c, completion_rate: r.c / r.n, phases: phasesBySkill.get(r.skill_name) ?? {} })),
  };
}

/** A profile file that does not follow the format; the message names the file and the field. */
export class ProfileFormatError extends Error {}

/** Checks every field of a parsed profile; throws a ProfileFormatError naming `source`. */
export function validateProfile(value: unknown, source: string): TeamProfile {
  const fail = (field: string, message: string): never => {
    throw new ProfileFormatError(`${source}: ${field} ${message}`);
  };
  const obj = exactObject(value, ['format', 'format_version', 'user_hash', 'exported_at', 'skills'], 'the profile', fail);
  if (obj.format !== PROFILE_FORMAT) fail('format', `must be "${PROFILE_FORMAT}"`);
  if (obj.format_version !== PROFILE_FORMAT_VERSION) fail('format_version', `${JSON.stringify(obj.format_version)} is not supported (this version reads ${PROFILE_FORMAT_VERSION})`);
  if (typeof obj.user_hash !== 'string' || !/^[0-9a-f]{64}$/.test(obj.user_hash)) fail('user_hash', 'must be a sha256 hex digest (64 lowercase hex digits)');
  if (typeof obj.exported_at !== 'string' || !isCanonical(obj.exported_at) || Number.isNaN(Date.parse(obj.exported_at))) {
    fail('exported_at', 'must be a UTC timestamp like 2026-01-31T12:00:00.000Z');
  }
  if (!Array.isArray(obj.skills)) return fail('skills', 'must be a list');
  if (obj.skills.length > PROFILE_LIMITS.skills) fail('skills', `must have at most ${PROFILE_LIMITS.skills} entries`);
  const names = new Set<string>();
  let total = 0;
  const skills = obj.skills.map((item, i) => {
    const skill = validateSkill(item, `skills[${i}]`, fail);
    if (names.has(skill.skill_name)) fail(`skills[${i}].skill_name`, `"${skill.skill_name}" appears twice`);
    names.add(skill.skill_name);
    total += skill.invocations;
    return skill;
  });
  if (total > PROFILE_LIMITS.invocations) fail('skills', `count ${total} invocations in all; at most ${PROFILE_LIMITS.invocations} are accepted`);
  return { format: PROFILE_FORMAT, format_version: PROFILE_FORMAT_VERSION, user_hash: obj.user_hash as string, exported_at: obj.exported_at as string, skills };
}

type Fail = (field: string, message: string) => never;

function exactObject(value: unknown, keys: readonly string[], field: string, fail: Fail): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail(field, 'must be a JSON object');
  const obj = value as Record<string, unknown>;
  const unknown = Object.keys(obj).find((k) => !keys.includes(k));
  if (unknown !== undefined) fail(field, `has an unknown field "${unknown}"`);
  const missing = keys.find((k) => !(k in obj));
  if (missing !== undefined) fail(field, `lacks the field "${missing}"`);
  return obj;
}

function validateSkill(value: unknown, field: string, fail: Fail): ProfileSkill {
  const obj = exactObject(value, ['skill_name', 'invocations', 'completed', 'completion_rate', 'phases'], field, fail);
  let name = '';
  try {
    name = requireName('skill_name', obj.skill_name);
  } catch (err) {
    fail(`${field}.skill_name`, (err as Error).message.replace(/^skill_name: /, ''));
  }
  const n = obj.invocations;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > PROFILE_LIMITS.invocations) fail(`${field}.invocations`, `must be an integer from 1 to ${PROFILE_LIMITS.invocations}`);
  const invocations = n as number;
  const c = obj.completed;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > invocations) fail(`${field}.completed`, `must be an integer from 0 to invocations (${invocations})`);
  const completed = c as number;
  const rate = obj.completion_rate;
  if (typeof rate !== 'number' || Math.abs(rate - completed / invocations) > 1e-6) fail(`${field}.completion_rate`, `must equal completed / invocations (${completed / invocations}), a rate 0..1`);
  if (!obj.phases || typeof obj.phases !== 'object' || Array.isArray(obj.phases)) fail(`${field}.phases`, 'must be a JSON object of phase → count');
  const phases = obj.phases as Record<string, unknown>;
  const entries = Object.entries(phases);
  if (entries.length > PROFILE_LIMITS.phases) fail(`${field}.phases`, `must have at most ${PROFILE_LIMITS.phases} phases`);
  let inPhases = 0;
  for (const [phase, count] of entries) {
    if (!phase || phase.length > PROFILE_LIMITS.phaseLength || hasControlCharacters(phase)) fail(`${field}.phases`, `has an invalid phase name ${JSON.stringify(phase)}`);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) fail(`${field}.phases.${phase}`, 'must be a positive integer');
    inPhases += count as number;
  }
  if (inPhases > invocations) fail(`${field}.phases`, `count ${inPhases} invocations, more than the skill's ${invocations}`);
  return { skill_name: name, invocations, completed, completion_rate: completed / invocations, phases: phases as Record<string, number> };
}

/** The .json files named by `paths` (a directory contributes its *.json files, not recursively). */
function profileFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new ProfileFormatError(`${p}: no such file or directory`);
    }
    if (!stat.isDirectory()) {
      files.push(p);
      continue;
    }
    const inDir = fs.readdirSync(p).filter((f) => f.toLowerCase().endsWith('.json')).sort().map((f) => path.join(p, f));
    if (inDir.length === 0) throw new ProfileFormatError(`${p}: the directory holds no .json profiles`);
    appendAll(files, inDir);
  }
  return files;
}

function readProfile(file: string): TeamProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProfileFormatError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProfileFormatError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return validateProfile(value, file);
}

/**
 * Loads teammates' profiles from files or directories. Every file is read and checked before
 * anything is written: one bad file stops the import with a message naming it.
 */
export async function importProfiles(store: Store, files: string[]): Promise<{ imported: number; skipped: number }> {
  if (!Array.isArray(files) || files.length === 0) throw new ProfileFormatError('no profile files given');
  const profiles: TeamProfile[] = [];
  const problems: string[] = [];
  for (const file of profileFiles(files)) {
    try {
      profiles.push(readProfile(file));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) throw new ProfileFormatError(`${plural(problems.length, 'invalid profile')}, nothing imported: ${problems.join('; ')}`);
  return importValidProfiles(store, profiles);
}

/** Stores checked profiles: the newest of each teammate, unless already stored or a local user's. */
export async function importValidProfiles(store: Store, profiles: readonly TeamProfile[]): Promise<{ imported: number; skipped: number }> {
  const newest = new Map<string, TeamProfile>();
  for (const p of profiles) {
    const seen = newest.get(p.user_hash);
    if (!seen || p.exported_at > seen.exported_at) newest.set(p.user_hash, p);
  }
  const localHashes = new Set(all<{ user_id: string }>(store.db, 'SELECT DISTINCT user_id FROM skill_sessions').map((r) => hashUserId(r.user_id)));
  const stored = new Map(
    all<{ user_id: string; exported_at: string; rows: number }>(
      store.db,
      `SELECT user_id, MAX(invoked_at) AS exported_at, COUNT(*) AS rows FROM skill_user_interactions
       WHERE session_id >= 'profile:' AND session_id < 'profile;' GROUP BY user_id`,
    ).map((r) => [r.user_id, r]),
  );
  let imported = 0;
  for (const profile of newest.values()) {
    if (localHashes.has(profile.user_hash) || isStored(profile, stored.get(profile.user_hash))) continue;
    await store.commit(await profileEvents(store, profile));
    imported++;
  }
  if (imported > 0) await updateCommunityBaselines(store);
  return { imported, skipped: profiles.length - imported };
}

/** The stored copy is newer, or is this very profile (complete: same export time and row count). */
function isStored(profile: TeamProfile, stored: { exported_at: string; rows: number } | undefined): boolean {
  if (!stored) return false;
  if (stored.exported_at !== profile.exported_at) return stored.exported_at > profile.exported_at;
  return stored.rows === profile.skills.reduce((sum, s) => sum + s.invocations, 0);
}

/** Rows per upsert event, so that no single log line gets large. */
const ROWS_PER_EVENT = 5000;

/** One commit: the user's old rows go and the new ones arrive together. */
async function profileEvents(store: Store, profile: TeamProfile): Promise<StoreEvent[]> {
  const marker = `${PROFILE_SESSION_PREFIX}${profile.user_hash}`;
  const rows: Record<string, SqlValue>[] = [];
  for (const skill of profile.skills) {
    const phaseOfRow = Object.entries(skill.phases).flatMap(([phase, count]) => Array<string>(count).fill(phase));
    for (let i = 0; i < skill.invocations; i++) {
      rows.push({
        id: await store.nextId(),
        user_id: profile.user_hash,
        session_id: i < phaseOfRow.length ? `${marker}:${phaseOfRow[i]}` : marker,
        skill_name: skill.skill_name,
        invoked_at: profile.exported_at,
        completed: i < skill.completed ? 1 : 0,
        rating: null,
        alternatives_considered: null,
      });
    }
  }
  const events: StoreEvent[] = [{ t: 'delete', table: 'skill_user_interactions', where: { user_id: profile.user_hash } }];
  for (let i = 0; i < rows.length; i += ROWS_PER_EVENT) {
    events.push({ t: 'upsert', table: 'skill_user_interactions', key: ['id'], rows: rows.slice(i, i + ROWS_PER_EVENT) });
  }
  return events;
}
