import crypto from 'node:crypto';
import fs from 'node:fs';
import { one } from '../store/statements';
import type { Store } from '../store/storeInterface';
import { SkillTracker } from '../tracking/tracker';
import { requireName } from '../validation';
import { STAGE_PHASES, buildSessionId, checkContext, parseStage, trackPipelineStages, type CiStage, type PipelineContext, type StageRun } from './cicd';
import { DIALECT_SKILLS, parseJUnit, type JUnitDialect, type JUnitSuite } from './junit';
import { ensureSession } from './sessions';

/** Reports larger than this are refused rather than parsed into memory. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

export interface JUnitImportOptions {
  /** Skill name for every suite (default: from the report's dialect, e.g. pytest-run). */
  skill?: string;
  /** CI stage of the tests (default test → execution). */
  stage?: CiStage;
  /** Links the suites to a pipeline build (ci report then includes them). */
  context?: PipelineContext;
}

export interface JUnitFileResult {
  file: string;
  dialect: JUnitDialect;
  skill: string;
  suites: number;
  added: number;
  /** Suites already recorded by an earlier import of the same report or build. */
  skipped: number;
  failed: number;
}

/**
 * Records each test suite of JUnit XML reports as one invocation: completed when it has no
 * failure or error, with the suite's duration. The suite's identity (name, timestamp, host and a
 * digest of its content) is stored only as a hash (in workflow_step_id): a repeated import of the
 * same report is a no-op, and another report whose suite has the same name is another run.
 */
export async function importJUnitFiles(store: Store, userId: string, files: string[], options: JUnitImportOptions = {}): Promise<JUnitFileResult[]> {
  const stage = parseStage(options.stage ?? 'test');
  const skillOverride = options.skill === undefined ? undefined : requireName('skill', options.skill);
  const context = options.context ? checkContext(options.context) : undefined;
  const results: JUnitFileResult[] = [];
  for (const file of files) {
    const xml = readReport(file);
    let report;
    try {
      report = parseJUnit(xml);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
    const skill = skillOverride ?? DIALECT_SKILLS[report.dialect];
    const finishedAt = fs.statSync(file).mtime;
    const sessionId = context ? buildSessionId(context) : `junit-${shortHash(xml)}`;
    const runs = stageRuns(report.suites, skill, stage, finishedAt).filter((r) => !alreadyRecorded(store, sessionId, r.stepId!));
    if (context) await trackPipelineStages(store, userId, context, runs);
    else await trackStandalone(store, userId, sessionId, runs);
    results.push({
      file,
      dialect: report.dialect,
      skill,
      suites: report.suites.length,
      added: runs.length,
      skipped: report.suites.length - runs.length,
      failed: runs.filter((r) => !r.completed).length,
    });
  }
  return results;
}

/**
 * Recognises the same report or suite again without storing the text. Unsalted (unlike the project
 * hash), so that the ids recorded before the store had a salt keep matching and importing a
 * report again still adds nothing; so it is no secret: a suite name can be checked against it.
 */
function shortHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function readReport(file: string): string {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    throw new Error(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
  if (size > MAX_REPORT_BYTES) throw new Error(`${file}: ${size} bytes is more than the ${MAX_REPORT_BYTES}-byte limit for a report`);
  return fs.readFileSync(file, 'utf8');
}

function stageRuns(suites: JUnitSuite[], skill: string, stage: CiStage, fileTime: Date): StageRun[] {
  const seen = new Map<string, number>();
  return suites.map((suite) => {
    const occurrence = (seen.get(suite.identity) ?? 0) + 1;
    seen.set(suite.identity, occurrence);
    const failed = suite.failures + suite.errors > 0;
    const finishedAt = suite.startedAt ? new Date(Date.parse(suite.startedAt) + suite.durationSeconds * 1000) : fileTime;
    return {
      stage,
      skill,
      completed: !failed,
      durationSeconds: suite.durationSeconds,
      errorType: failed ? (suite.failures > 0 ? 'test_failures' : 'test_errors') : undefined,
      finishedAt,
      stepId: `junit:${shortHash(`${suite.identity}#${occurrence}`)}`,
    };
  });
}

function alreadyRecorded(store: Store, sessionId: string, stepId: string): boolean {
  return one(store.db, 'SELECT 1 AS x FROM skill_invocation WHERE session_id = ? AND workflow_step_id = ? LIMIT 1', [sessionId, stepId]) !== undefined;
}

async function trackStandalone(store: Store, userId: string, sessionId: string, runs: StageRun[]): Promise<void> {
  if (runs.length === 0) return;
  const tracker = new SkillTracker(store, userId);
  await ensureSession(store, tracker, sessionId, 'junit');
  for (const run of runs) {
    await tracker.trackInvocation({
      sessionId,
      skillName: run.skill,
      invokedAt: new Date(run.finishedAt!.getTime() - run.durationSeconds * 1000),
      completed: run.completed,
      durationSeconds: run.durationSeconds,
      workflowPhase: STAGE_PHASES[run.stage],
      workflowStepId: run.stepId,
      errorType: run.errorType,
    });
  }
}
