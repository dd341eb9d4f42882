/**
 * Lifetimes of the adapters (after VS Code's DisposableStore and PR-GitHub's Disposable): what an
 * object subscribes to is registered with it and disposed with it, in reverse order, and anything
 * registered after the object was disposed (a subscription made when the store finally opens) is
 * disposed at once instead of leaking. No vscode import, so it is tested in plain Node.
 */

export interface IDisposable {
  dispose(): unknown;
}

export function toDisposable(dispose: () => void): IDisposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      dispose();
    },
  };
}

/** A repeating timer that does not keep the process alive, as a disposable. */
export function intervalDisposable(ms: number, tick: () => void): IDisposable {
  const timer = setInterval(tick, ms);
  timer.unref();
  return toDisposable(() => clearInterval(timer));
}

/** Disposables disposed together; every one is disposed even when another throws. */
export class DisposableStore implements IDisposable {
  private items: IDisposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends IDisposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    const errors: unknown[] = [];
    for (const item of items) {
      try {
        item.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposables failed to dispose`);
  }
}

/** Base of every adapter: `register` ties a subscription, timer or child to this object's lifetime. */
export abstract class Disposable implements IDisposable {
  private readonly store = new DisposableStore();

  protected get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  protected register<T extends IDisposable>(item: T): T {
    return this.store.add(item);
  }

  dispose(): void {
    this.store.dispose();
  }
}
