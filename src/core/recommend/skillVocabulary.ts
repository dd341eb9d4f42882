/**
 * Skill names as small integers, so that the model's tables and vectors are keyed by numbers.
 *
 * Ids are given in order of first appearance and never reused, so the same events always give
 * the same ids (determinism) and a prefix of the events gives a prefix of the ids (no peeking).
 * Two ids are reserved: the start of a session (a context, never a prediction) and the overflow
 * id that every name beyond the capacity shares, so a flood of distinct names cannot grow memory
 * without bound; the overflow id is never a candidate either.
 */

export const SESSION_START = 0;
export const OVERFLOW = 1;
const FIRST_SKILL = 2;

export class SkillVocabulary {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = ['(session start)', '(other)'];

  constructor(readonly capacity: number) {}

  /** Ids handed out so far, reserved ones included: every id is below this. */
  get size(): number {
    return this.names.length;
  }

  /** The id of a name, adding it when new (OVERFLOW once the capacity is reached). */
  intern(name: string): number {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    if (this.names.length - FIRST_SKILL >= this.capacity) return OVERFLOW;
    const id = this.names.length;
    this.ids.set(name, id);
    this.names.push(name);
    return id;
  }

  /** The id of a known name, without adding it. */
  find(name: string): number | undefined {
    return this.ids.get(name);
  }

  name(id: number): string {
    return this.names[id];
  }
}

/** Whether an id names a skill one can run (not a reserved id). */
export function isSkillId(id: number): boolean {
  return id >= FIRST_SKILL;
}
