import type { StoreEvent } from './events';
import type { Disposable } from './storeInterface';

/** Who hears that a store's data changed, and which events changed it; a listener's failure is its own. */
export class StoreListeners {
  private readonly changed = new Set<() => void>();
  private readonly applied = new Set<(events: readonly StoreEvent[]) => void>();

  onDidChange(listener: () => void): Disposable {
    this.changed.add(listener);
    return { dispose: () => this.changed.delete(listener) };
  }

  onDidApply(listener: (events: readonly StoreEvent[]) => void): Disposable {
    this.applied.add(listener);
    return { dispose: () => this.applied.delete(listener) };
  }

  emitApplied(events: readonly StoreEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.applied) {
      try {
        listener(events);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  emitChange(): void {
    for (const listener of this.changed) {
      try {
        listener();
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
