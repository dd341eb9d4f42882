import { INVOCATION_SOURCES, type InvocationSource } from '../store/events';
import { ValidationError } from '../validation';

/**
 * Whose runs a query looks at: an agent's, the developer's own (`human`: editor, CLI and CI), or
 * one source. Runs of unknown source (imported from the Python tool) are in neither group.
 */
export const SOURCE_FILTERS = ['agent', 'human', 'editor', 'cli', 'ci'] as const;
export type SourceFilter = (typeof SOURCE_FILTERS)[number];

const HUMAN_SOURCES: readonly InvocationSource[] = INVOCATION_SOURCES.filter((s) => s !== 'agent');

export function parseSourceFilter(value: unknown): SourceFilter | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(SOURCE_FILTERS as readonly unknown[]).includes(value)) throw new ValidationError('source', `must be one of ${SOURCE_FILTERS.join(', ')}`);
  return value as SourceFilter;
}

/** The sources a filter stands for. */
export function sourcesOf(filter: SourceFilter): readonly InvocationSource[] {
  return filter === 'human' ? HUMAN_SOURCES : [filter];
}

/** `AND <alias>.source IN (?, …)` and its parameters; nothing without a filter. */
export function sourceCondition(filter: SourceFilter | undefined, alias: string): { sql: string; params: string[] } {
  if (filter === undefined) return { sql: '', params: [] };
  const sources = sourcesOf(filter);
  return { sql: ` AND ${alias}.source IN (${sources.map(() => '?').join(', ')})`, params: [...sources] };
}
