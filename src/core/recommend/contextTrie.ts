/**
 * What followed each context of up to `maxOrder` skills, as a tree: the root counts what ran in
 * general, its child for skill a counts what ran after a, that node's child for b what ran after
 * b → a, and so on (a context read newest first, as PPM keeps it). One walk down the tree finds
 * the rows of every order at once, with a number lookup per order instead of a string key each.
 *
 * Bounded: beyond `capacity` nodes, the nodes counted into longest ago are dropped in one pass (a
 * node is always counted with its parent, so a dropped node's descendants are older and go too).
 */
import { CountRow, PRUNE_SHARE, pruneCutoff } from './countRow';

/** A context's row of successor counts, and the longer contexts that end with it. */
export class ContextNode extends CountRow {
  children: Map<number, ContextNode> | undefined;

  child(id: number): ContextNode | undefined {
    return this.children?.get(id);
  }
}

export class ContextTrie {
  readonly root = new ContextNode();
  private nodes = 1;
  private clock = 0;

  constructor(readonly maxOrder: number, private readonly capacity: number) {}

  /** Nodes kept, the root included. */
  get size(): number {
    return this.nodes;
  }

  /**
   * Sets `rows` to the rows of the orders 0, 1, … of the context (`context` newest first), as deep
   * as it has been seen.
   */
  findRows(context: readonly number[], rows: CountRow[]): void {
    let node = this.root;
    rows[0] = node;
    let found = 1;
    const orders = Math.min(this.maxOrder, context.length);
    for (; found <= orders; found++) {
      const next = node.child(context[found - 1]);
      if (!next) break;
      rows[found] = next;
      node = next;
    }
    rows.length = found;
  }

  record(context: readonly number[], id: number): void {
    const stamp = ++this.clock;
    let node = this.root;
    node.add(id);
    const orders = Math.min(this.maxOrder, context.length);
    for (let order = 1; order <= orders; order++) {
      let next = node.child(context[order - 1]);
      if (!next) {
        next = new ContextNode();
        (node.children ??= new Map()).set(context[order - 1], next);
        this.nodes++;
      }
      next.add(id);
      next.stamp = stamp;
      node = next;
    }
    if (this.nodes > this.capacity) this.prune();
  }

  private prune(): void {
    const stamps: number[] = [];
    collectStamps(this.root, stamps);
    const cutoff = pruneCutoff(stamps, Math.floor(this.capacity * (1 - PRUNE_SHARE)));
    this.nodes = 1 + dropOlder(this.root, cutoff);
  }
}

function collectStamps(node: ContextNode, stamps: number[]): void {
  if (!node.children) return;
  for (const child of node.children.values()) {
    stamps.push(child.stamp);
    collectStamps(child, stamps);
  }
}

/** Drops the descendants stamped before `cutoff`; returns how many descendants remain. */
function dropOlder(node: ContextNode, cutoff: number): number {
  if (!node.children) return 0;
  let kept = 0;
  for (const [id, child] of node.children) {
    if (child.stamp < cutoff) node.children.delete(id);
    else kept += 1 + dropOlder(child, cutoff);
  }
  return kept;
}
