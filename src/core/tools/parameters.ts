import { SOURCE_FILTERS } from '../analytics/sourceFilter';
import { SKILL_NAME_MAX } from '../validation';
import type { NumberSchema, StringSchema } from './schema';

/** Argument schemas several tools share, so that the same argument reads the same everywhere. */

export function skillNameParam(description = 'Skill name, e.g. pytest-run'): StringSchema {
  return { type: 'string', description, minLength: 1, maxLength: SKILL_NAME_MAX };
}

export function limitParam(fallback: number, max: number, what: string): NumberSchema {
  return { type: 'integer', description: `How many ${what} to return (1-${max}, default ${fallback})`, minimum: 1, maximum: max, default: fallback };
}

export function hoursParam(fallback: number, description: string, exclusiveMinimum = 0): NumberSchema {
  return { type: 'number', description: `${description} (hours, default ${fallback})`, exclusiveMinimum, maximum: 24 * 366, default: fallback };
}

export function sourceParam(): StringSchema {
  return {
    type: 'string',
    description: "Only the runs of an AI agent ('agent'), only the developer's own ('human': editor, cli and ci), or one source; default: every run",
    enum: [...SOURCE_FILTERS],
  };
}
