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

/**
 * A context's row of successor counts, and the longer contexts that end with it. Most contexts of a
 * long history are followed by one longer context only (37,000 of 51,000 at 50,000 runs of the
 * benchmarks' seeded store), and a Map costs some 180 bytes: a single one is kept as the node itself.
 */
export class ContextNode extends CountRow {
  private children: ContextNode | Map<number, ContextNode> | undefined;

  /** `key`: the skill that this context adds before its parent's (its key among the parent's children). */
  constructor(readonly key: number) {
    super();
  }

  child(id: number): ContextNode | undefined {
    const children = this.children;
    if (children instanceof ContextNode) return children.key === id ? children : undefined;
    return children?.get(id);
  }

  addChild(node: ContextNode): void {
    const children = this.children;
    if (children === undefined) this.children = node;
    else if (children instanceof ContextNode) this.children = new Map([[children.key, children], [node.key, node]]);
    else children.set(node.key, node);
  }

  /** The longer contexts, in the order they were added. */
  childList(): readonly ContextNode[] {
    const children = this.children;
    if (children === undefined) return [];
    return children instanceof ContextNode ? [children] : [...children.values()];
  }

  /** Keeps only the longer contexts that `keep` accepts. */
  keepChildren(keep: (node: ContextNode) => boolean): void {
    const children = this.children;
    if (children instanceof ContextNode) {
      if (!keep(children)) this.children = undefined;
      return;
    }
    if (children === undefined) return;
    for (const [id, node] of children) if (!keep(node)) children.delete(id);
    if (children.size <= 1) this.children = children.values().next().value;
  }
}

/** The root's key: no skill id is negative. */
const ROOT_KEY = -1;

export class ContextTrie {
  readonly root = new ContextNode(ROOT_KEY);
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
        next = new ContextNode(context[order - 1]);
        node.addChild(next);
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
  for (const child of node.childList()) {
    stamps.push(child.stamp);
    collectStamps(child, stamps);
  }
}

/** Drops the descendants stamped before `cutoff`; returns how many descendants remain. */
function dropOlder(node: ContextNode, cutoff: number): number {
  let kept = 0;
  node.keepChildren((child) => child.stamp >= cutoff);
  for (const child of node.childList()) kept += 1 + dropOlder(child, cutoff);
  return kept;
}
