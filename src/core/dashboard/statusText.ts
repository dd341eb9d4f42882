import { formatPercent, plural } from '../../shared/words';
import type { TodaySummary } from './today';

/**
 * The status bar text, readable without its tooltip: `$(pulse) 3 runs today, 67% completed`,
 * `$(pulse) No runs today`, and `$(debug-pause) Paused · …` while tracking is paused.
 */
export function statusText(summary: Pick<TodaySummary, 'invocations' | 'completionRate'>, paused = false): string {
  const today = summary.invocations === 0 ? 'no runs today' : `${plural(summary.invocations, 'run')} today, ${formatPercent(summary.completionRate)} completed`;
  if (paused) return `$(debug-pause) Paused · ${today}`;
  return `$(pulse) ${today.charAt(0).toUpperCase()}${today.slice(1)}`;
}
