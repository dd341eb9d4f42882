import { MAX_STEPS_PER_REQUEST } from '../core/host/protocol';
import { reportResult, suiteRecord, type JUnitFileResult, type JUnitReportRuns } from '../core/integrations/junitImport';
import { RunRecorder } from '../core/tracking/runRecorder';
import type { CliContext } from './context';
import { askHost, recordingOn } from './hostedRecording';

/** Which of the report's suites its session already has, asked of the host in batches; undefined when the host cannot serve. */
async function recordedSuites(ctx: CliContext, report: JUnitReportRuns): Promise<Set<string> | undefined> {
  const recorded = new Set<string>();
  const steps = report.runs.map((r) => r.stepId!);
  for (let from = 0; from < steps.length; from += MAX_STEPS_PER_REQUEST) {
    const answer = (await ctx.viaHost('recordedSteps', { sessionId: report.sessionId, stepIds: steps.slice(from, from + MAX_STEPS_PER_REQUEST) })) as string[] | undefined;
    if (!answer) return undefined;
    for (const step of answer) recorded.add(step);
  }
  return recorded;
}

/**
 * `ci import-junit` through the store host (a running one, or one started when asked), without
 * loading the store: the host says which suites each report's session has already (an import run
 * again records none twice) and whose each session is; the other suites go into this process's own
 * log segment, the sessions the host does not know created first, fdatasynced before the command
 * ends. The reports are read only once a host answers. Undefined: no host serves, and the caller
 * imports with the store opened (what was recorded here is in the log, so nothing is doubled).
 */
export async function importViaHost(ctx: CliContext, userId: string, readReports: () => readonly JUnitReportRuns[]): Promise<JUnitFileResult[] | undefined> {
  const first = await askHost(ctx, undefined);
  if (!first) return undefined;
  if (first.readOnlyReason) throw new Error(first.readOnlyReason);
  const reports = readReports();
  const { log, sessions } = recordingOn(ctx, first);
  const recorder = new RunRecorder(log, sessions, userId);
  const results: JUnitFileResult[] = [];
  /** Sessions asked about (and created when the host knew none): the host does not see this log's sessions until it applies it. */
  const ready = new Set<string>();
  try {
    for (const report of reports) {
      const recorded = await recordedSuites(ctx, report);
      if (!recorded) return undefined;
      const runs = report.runs.filter((r) => !recorded.has(r.stepId!));
      for (const run of runs) {
        const record = suiteRecord(report, run);
        if (!ready.has(record.sessionId)) {
          const known = await askHost(ctx, record.sessionId);
          if (!known) return undefined;
          sessions.add(record.sessionId, known);
          if (!known.session) await recorder.createSession({ sessionId: record.sessionId, source: record.source });
          ready.add(record.sessionId);
        }
        const id = await recorder.trackInvocation({ ...record.input, sessionId: record.sessionId });
        if (record.follow) await log.commit(record.follow(id));
      }
      results.push(reportResult(report, runs));
    }
    return results;
  } finally {
    await log.close();
  }
}
