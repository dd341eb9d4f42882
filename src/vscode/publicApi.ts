import type { InvocationOutcome, RecommendationQuery, RunningInvocation, SessionBuddyApi, StartInvocationInput, TrackInvocationInput } from '../api';
import { ValidationError, requireName } from '../core/validation';
import { unrecordedRun } from '../core/tracking/pendingRun';
import type { InvocationRecorder } from './recorder';
import type { RecommendationService } from './recommendationService';

function requireObject(field: string, value: unknown): void {
  if (!value || typeof value !== 'object') throw new ValidationError(field, 'must be an object');
}

/** Only the documented fields go on: a caller cannot pick the session or the user. */
function startDetails(input: StartInvocationInput): Omit<StartInvocationInput, 'skillName'> {
  return { workflowPhase: input.workflowPhase, workflowStepId: input.workflowStepId, alternativesConsidered: input.alternativesConsidered, selectionRank: input.selectionRank };
}

function outcomeOf(outcome: InvocationOutcome | undefined): InvocationOutcome {
  if (outcome === undefined) return { completed: true };
  requireObject('outcome', outcome);
  return { completed: outcome.completed ?? true, errorType: outcome.errorType, durationSeconds: outcome.durationSeconds, followUpActions: outcome.followUpActions };
}

/** The object `activate()` returns (see src/api.ts); every call goes through the same recorder as the trackers. */
/** Only the context fields: a caller cannot ask as another user. */
function contextFields(query: RecommendationQuery): RecommendationQuery {
  return { lastSkill: query.lastSkill, languageId: query.languageId, isTestFile: query.isTestFile, recentFailures: query.recentFailures, limit: query.limit };
}

export function createPublicApi(recorder: InvocationRecorder, recommendations: RecommendationService): SessionBuddyApi {
  return {
    apiVersion: 1,
    async trackInvocation(input: TrackInvocationInput): Promise<number | undefined> {
      requireObject('input', input);
      const skillName = requireName('skillName', input.skillName);
      return recorder.record(skillName, 'api', {
        ...startDetails(input),
        completed: input.completed,
        durationSeconds: input.durationSeconds,
        invokedAt: input.invokedAt,
        errorType: input.errorType,
        followUpActions: input.followUpActions,
      });
    },
    startInvocation(input: StartInvocationInput): RunningInvocation {
      requireObject('input', input);
      const skillName = requireName('skillName', input.skillName);
      const run = recorder.start(skillName, 'api', startDetails(input)) ?? unrecordedRun(skillName);
      return { skillName, complete: (outcome) => run.complete(outcomeOf(outcome)) };
    },
    async getRecommendations(query: RecommendationQuery = {}) {
      requireObject('query', query);
      return recommendations.get(contextFields(query));
    },
    async getRecommendationList(query: RecommendationQuery = {}) {
      requireObject('query', query);
      return recommendations.list(contextFields(query));
    },
  };
}
