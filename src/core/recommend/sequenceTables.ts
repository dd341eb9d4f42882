/**
 * The counts a scope (one user, or everyone) keeps of what ran next in each kind of context:
 *
 * - `plain`: after the session's last 0..maxOrder skills (contextTrie.ts; the session start counts
 *   as a skill, so "first run of a session" is a context too);
 * - `outcome`: after the last skill with its outcome ("pytest-run failed" is not the same context
 *   as "pytest-run passed"); a user's `outcomeAfterTwo`: after the last two, the last with its outcome;
 * - `pause`: after the last skill, by how long ago it ended (a quick re-run differs from a return);
 * - `editor`: in the editor's context (language, test file or not);
 * - a user's `twoBack`: two runs after a skill, whatever came between.
 *
 * Everyone's tables leave out the two a user's model alone reads.
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
  outcome: number;
  outcomeAfterTwo: number | undefined;
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
    outcome: outcomeKey,
    outcomeAfterTwo: before === undefined ? undefined : before * ID_SPACE * OUTCOMES + outcomeKey,
    pause: last.id * PAUSES + view.pause,
    editor: editorId,
    twoBack: before,
  };
}

export class SequenceTables {
  readonly plain: ContextTrie;
  readonly outcome: ContextTable;
  readonly outcomeAfterTwo: ContextTable | undefined;
  readonly pause: ContextTable;
  readonly editor: ContextTable;
  readonly twoBack: ContextTable | undefined;

  constructor(readonly maxOrder: number, capacity: number, personal: boolean) {
    this.plain = new ContextTrie(maxOrder, capacity * maxOrder);
    this.outcome = new ContextTable(capacity);
    this.outcomeAfterTwo = personal ? new ContextTable(capacity) : undefined;
    this.pause = new ContextTable(capacity);
    this.editor = new ContextTable(capacity);
    this.twoBack = personal ? new ContextTable(capacity) : undefined;
  }

  /** Rows kept, over all kinds of context. */
  get size(): number {
    return this.plain.size + this.outcome.size + (this.outcomeAfterTwo?.size ?? 0) + this.pause.size + this.editor.size + (this.twoBack?.size ?? 0);
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
    this.outcome.add(keys.outcome, id);
    if (keys.outcomeAfterTwo !== undefined) this.outcomeAfterTwo?.add(keys.outcomeAfterTwo, id);
    this.pause.add(keys.pause, id);
    this.editor.add(keys.editor, id);
    if (keys.twoBack !== undefined) this.twoBack?.add(keys.twoBack, id);
  }
}
