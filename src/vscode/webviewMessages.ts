/**
 * The host's parsers of what the webviews send. A page is outside input, so nothing acts on a
 * message before it is parsed here; they live on the host, not beside the protocol's types, because
 * they apply the core's validation rules, which the webview bundles do not load.
 */
import { isSkillName } from '../core/validation';
import { DASHBOARD_RANGES, EMPTY_STATE_ACTIONS, WORKSPACE_SCOPES, type DashboardToHost, type EmptyStateAction, type RecommendationsToHost } from '../webview/protocol';

function typeOf(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

function skillOf(value: unknown): string | undefined {
  const skill = (value as { skill?: unknown }).skill;
  return isSkillName(skill) ? skill : undefined;
}

/** The message, if it is a well-formed recommendations-view message; undefined otherwise. */
export function parseRecommendationsMessage(value: unknown): RecommendationsToHost | undefined {
  switch (typeOf(value)) {
    case 'ready':
      return { type: 'ready' };
    case 'run':
    case 'dismiss': {
      const skill = skillOf(value);
      const type = typeOf(value) as 'run' | 'dismiss';
      return skill === undefined ? undefined : { type, skill };
    }
    case 'action':
      return actionMessage(value);
    default:
      return undefined;
  }
}

function actionMessage(value: unknown): { type: 'action'; action: EmptyStateAction } | undefined {
  const action = (value as { action?: unknown }).action;
  return EMPTY_STATE_ACTIONS.find((a) => a === action) ? { type: 'action', action: action as EmptyStateAction } : undefined;
}

/** The message, if it is a well-formed dashboard message; undefined otherwise. */
export function parseDashboardMessage(value: unknown): DashboardToHost | undefined {
  switch (typeOf(value)) {
    case 'ready':
      return { type: 'ready' };
    case 'range': {
      const days = (value as { days?: unknown }).days;
      const range = DASHBOARD_RANGES.find((d) => d === days);
      return range === undefined ? undefined : { type: 'range', days: range };
    }
    case 'trendSkill': {
      const skill = skillOf(value);
      return skill === undefined ? undefined : { type: 'trendSkill', skill };
    }
    case 'workspace': {
      const scope = WORKSPACE_SCOPES.find((s) => s === (value as { scope?: unknown }).scope);
      return scope === undefined ? undefined : { type: 'workspace', scope };
    }
    case 'exportCsv':
      return { type: 'exportCsv' };
    case 'action':
      return actionMessage(value);
    default:
      return undefined;
  }
}
