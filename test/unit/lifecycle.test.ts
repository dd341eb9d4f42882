import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Disposable, DisposableStore, toDisposable } from '../../src/vscode/lifecycle';

class Adapter extends Disposable {
  add(item: { dispose(): void }): void {
    this.register(item);
  }
}

test('a store disposes what it holds in reverse order, once', () => {
  const order: string[] = [];
  const store = new DisposableStore();
  store.add(toDisposable(() => order.push('first')));
  store.add(toDisposable(() => order.push('second')));
  store.dispose();
  store.dispose();
  assert.deepEqual(order, ['second', 'first']);
});

test('what is registered after dispose is disposed at once: a late subscription never leaks', () => {
  const adapter = new Adapter();
  adapter.dispose();
  let disposed = false;
  adapter.add(toDisposable(() => (disposed = true)));
  assert.equal(disposed, true);
});

test('one failing dispose does not keep the others alive, and its error is not lost', () => {
  const store = new DisposableStore();
  let after = false;
  store.add(toDisposable(() => (after = true)));
  store.add(toDisposable(() => {
    throw new Error('boom');
  }));
  assert.throws(() => store.dispose(), /boom/);
  assert.equal(after, true);
});
