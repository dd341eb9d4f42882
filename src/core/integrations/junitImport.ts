import crypto from 'node:crypto';
import fs from 'node:fs';
import type { StoreEvent } from '../store/events';
import type { SqlDatabase } from '../store/sqlDatabase';
import type { Store } from '../store/storeInterface';
import type { InvocationInput } from '../tracking/runRecorder';
import { SkillTracker } from '../tracking/tracker';
import { requireName } from '../validation';
import { CI_SOURCE, STAGE_PHASES, buildSessionId, checkContext, parseStage, stageRecord, trackPipelineStages, type CiStage, type PipelineContext, type StageRun } from './cicd';
import { DIALECT_SKILLS, parseJUnit, type JUnitDialect, type JUnitSuite } from './junit';
import { ensureSession } from './sessions';

/** The source of the session a report without a pipeline build is recorded in. */
export const JUNIT_SOURCE = 'junit';

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

/** One report read and turned into stage runs, before anything is recorded. */
export interface JUnitReportRuns {
  file: string;
  dialect: JUnitDialect;
  skill: string;
  suites: number;
  /** The session its suites are recorded in: the pipeline build's, or one per report. */
  sessionId: string;
  context?: PipelineContext;
  runs: StageRun[];
}

/** What recording a run takes: its session (created with `source` when missing), the invocation, and the events that follow it. */
export interface SuiteRecord {
  sessionId: string;
  source: string;
  input: Omit<InvocationInput, 'sessionId'>;
  follow?: (invocationId: number) => StoreEvent[];
}

/**
 * Reads JUnit XML reports into stage runs, one per test suite: completed when it has no failure or
 * error, with the suite's duration. The suite's identity (name, timestamp, host and a digest of its
 * content) is kept only as a hash (the run's workflow_step_id): importing the same report again
 * finds its suites recorded, and another report whose suite has the same name is another run.
 * Nothing is recorded here, so a bad file fails the import before anything is written.
 */
export function readJUnitReports(files: string[], options: JUnitImportOptions = {}): JUnitReportRuns[] {
  const stage = parseStage(options.stage ?? 'test');
  const skillOverride = options.skill === undefined ? undefined : requireName('skill', options.skill);
  const context = options.context ? checkContext(options.context) : undefined;
  return files.map((file) => {
    const xml = readReport(file);
    let report;
    try {
      report = parseJUnit(xml);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
    const skill = skillOverride ?? DIALECT_SKILLS[report.dialect];
    const sessionId = context ? buildSessionId(context) : `junit-${shortHash(xml)}`;
    const runs = stageRuns(report.suites, skill, stage, fs.statSync(file).mtime);
    return { file, dialect: report.dialect, skill, suites: report.suites.length, sessionId, ...(context ? { context } : {}), runs };
  });
}

/** How a suite's run is recorded: as a stage of the pipeline build, or in the report's own session. */
export function suiteRecord(report: JUnitReportRuns, run: StageRun): SuiteRecord {
  if (report.context) {
    const record = stageRecord(report.context, run);
    return { sessionId: record.sessionId, source: CI_SOURCE, input: record.input, follow: (id) => [record.contextEvent(id)] };
  }
  return {
    sessionId: report.sessionId,
    source: JUNIT_SOURCE,
    input: {
      skillName: run.skill,
      invokedAt: new Date(run.finishedAt!.getTime() - run.durationSeconds * 1000),
      completed: run.completed,
      durationSeconds: run.durationSeconds,
      workflowPhase: STAGE_PHASES[run.stage],
      workflowStepId: run.stepId,
      errorType: run.errorType,
    },
  };
}

/** What an import of the report did, given the runs it recorded (the others were there already). */
export function reportResult(report: JUnitReportRuns, added: readonly StageRun[]): JUnitFileResult {
  return {
    file: report.file,
    dialect: report.dialect,
    skill: report.skill,
    suites: report.suites,
    added: added.length,
    skipped: report.suites - added.length,
    failed: added.filter((r) => !r.completed).length,
  };
}

/** Records each suite of the reports not recorded yet (see readJUnitReports). */
export async function importJUnitFiles(store: Store, userId: string, files: string[], options: JUnitImportOptions = {}): Promise<JUnitFileResult[]> {
  const results: JUnitFileResult[] = [];
  for (const report of readJUnitReports(files, options)) {
    const recorded = new Set(recordedSteps(store.db, report.sessionId, report.runs.map((r) => r.stepId!)));
    const runs = report.runs.filter((r) => !recorded.has(r.stepId!));
    if (report.context) await trackPipelineStages(store, userId, report.context, runs);
    else await trackStandalone(store, userId, report, runs);
    results.push(reportResult(report, runs));
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

async function trackStandalone(store: Store, userId: string, report: JUnitReportRuns, runs: StageRun[]): Promise<void> {
  if (runs.length === 0) return;
  const tracker = new SkillTracker(store, userId);
  await ensureSession(store, tracker, report.sessionId, JUNIT_SOURCE);
  for (const run of runs) await tracker.trackInvocation({ ...suiteRecord(report, run).input, sessionId: report.sessionId });
}

/**
 * Which of the steps (workflow_step_id) already have a run in the session: a repeated import records
 * none of them again. The store host answers `recordedSteps` with it, so both paths decide alike.
 */
export function recordedSteps(db: SqlDatabase, sessionId: string, stepIds: readonly string[]): string[] {
  if (stepIds.length === 0) return [];
  const wanted = new Set(stepIds);
  const rows = db.exec('SELECT DISTINCT workflow_step_id FROM skill_invocation WHERE session_id = ? AND workflow_step_id IS NOT NULL', [sessionId])[0]?.values ?? [];
  return rows.map((r) => String(r[0])).filter((step) => wanted.has(step));
}
