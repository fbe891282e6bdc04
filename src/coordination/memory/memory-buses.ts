/** Cancellation and revocation within one instance: plain maps and listener sets. */

import type { CancelBus, RevocationBus } from '../coordination.ts';
import { cancelReason, ListenerSet, type ErrorReporter } from '../common.ts';

export class MemoryCancelBus implements CancelBus {
  readonly #running = new Map<string, (reason: string) => void>();

  register(messageId: string, abort: (reason: string) => void): () => void {
    this.#running.set(messageId, abort);
    return () => {
      // Only remove our own registration: a late unregister must not forget a newer one.
      if (this.#running.get(messageId) === abort) this.#running.delete(messageId);
    };
  }

  cancel(messageId: string): Promise<boolean> {
    return Promise.resolve(this.cancelLocally(messageId));
  }

  cancelLocally(messageId: string): boolean {
    const abort = this.#running.get(messageId);
    if (abort === undefined) return false;
    abort(cancelReason);
    return true;
  }

  has(messageId: string): boolean {
    return this.#running.has(messageId);
  }

  get runningIds(): IterableIterator<string> {
    return this.#running.keys();
  }

  clear(): void {
    this.#running.clear();
  }
}

export class MemoryRevocationBus implements RevocationBus {
  readonly #listeners: ListenerSet<string>;

  constructor(onError: ErrorReporter) {
    this.#listeners = new ListenerSet(onError);
  }

  publishUserChanged(userId: string): Promise<void> {
    this.#listeners.emit(userId);
    return Promise.resolve();
  }

  onUserChanged(listener: (userId: string) => void): () => void {
    return this.#listeners.add(listener);
  }

  clear(): void {
    this.#listeners.clear();
  }
}
