/**
 * The counts a scope (one user, or everyone) keeps of what ran next in each kind of context:
 *
 * - `plain`: after the session's last 0..maxOrder skills (contextTrie.ts; the session start counts
 *   as a skill, so "first run of a session" is a context too);
 * - `outcome[0]`: after the last skill with its outcome; `outcome[1]`: after the last two skills,
 *   the last with its outcome ("pytest-run failed" is not the same context as "pytest-run passed");
 * - `pause`: after the last skill, by how long ago it ended (a quick re-run differs from a return);
 * - `editor`: in the editor's context (language, test file or not);
 * - `twoBack`: two runs after a skill, whatever came between.
 *
 * The keys of one question are built once (contextKeys), as numbers, and serve both scopes and the
 * recording.
 */
import { ContextTable, type CountRow } from './countRow';
import { ContextTrie } from './contextTrie';
import { lastStep, type TrailView } from './sessionTrail';
import { SESSION_START } from './skillVocabulary';

/** Skill ids stay below this, so that two ids and an outcome fit one exact number key. */
export const ID_SPACE = 2 ** 20;
const OUTCOMES = 4;
const PAUSES = 8;

export interface ContextKeys {
  /** The context's skills newest first, ending with the session start once the session's runs are all in. */
  recent: number[];
  outcome: [number, number | undefined];
  pause: number;
  editor: number;
  twoBack: number | undefined;
}

export function contextKeys(view: TrailView, editorId: number, maxOrder: number): ContextKeys {
  const steps = view.steps;
  const recent: number[] = [];
  for (let i = steps.length - 1; i >= 0 && recent.length < maxOrder; i--) recent.push(steps[i].id);
  if (recent.length < maxOrder) recent.push(SESSION_START);
  const last = lastStep(view);
  const before = steps.length >= 2 ? steps[steps.length - 2].id : steps.length === 1 ? SESSION_START : undefined;
  const outcomeKey = last.id * OUTCOMES + last.outcome;
  return {
    recent,
    outcome: [outcomeKey, before === undefined ? undefined : before * ID_SPACE * OUTCOMES + outcomeKey],
    pause: last.id * PAUSES + view.pause,
    editor: editorId,
    twoBack: before,
  };
}

export class SequenceTables {
  readonly plain: ContextTrie;
  readonly outcome: [ContextTable, ContextTable];
  readonly pause: ContextTable;
  readonly editor: ContextTable;
  readonly twoBack: ContextTable;

  constructor(readonly maxOrder: number, capacity: number) {
    this.plain = new ContextTrie(maxOrder, capacity * maxOrder);
    this.outcome = [new ContextTable(capacity), new ContextTable(capacity)];
    this.pause = new ContextTable(capacity);
    this.editor = new ContextTable(capacity);
    this.twoBack = new ContextTable(capacity);
  }

  /** The general row (order 0). */
  general(): CountRow {
    return this.plain.root;
  }

  /** Sets `rows` to the rows of the context's orders 0, 1, … as far as they have been seen. */
  findRows(keys: ContextKeys, rows: CountRow[]): void {
    this.plain.findRows(keys.recent, rows);
  }

  record(keys: ContextKeys, id: number): void {
    this.plain.record(keys.recent, id);
    this.outcome[0].add(keys.outcome[0], id);
    if (keys.outcome[1] !== undefined) this.outcome[1].add(keys.outcome[1], id);
    this.pause.add(keys.pause, id);
    this.editor.add(keys.editor, id);
    if (keys.twoBack !== undefined) this.twoBack.add(keys.twoBack, id);
  }
}
