/**
 * One instance's session queue: a FIFO per session id. Kept allocation-light because every chat
 * message passes through it; a session's entry exists only while someone holds or waits for it.
 */

import type { SessionLease, SessionQueue } from '../coordination.ts';
import { checkMaxWaiting, sessionBusyError, shuttingDownError } from '../common.ts';

interface Waiter {
  resolve(lease: SessionLease): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface SessionState {
  /** Callers behind the holder, oldest first. Short (≤ maxWaiting), so an array's shift is cheap. */
  waiters: Waiter[];
}

export class MemorySessionQueue implements SessionQueue {
  readonly #sessions = new Map<string, SessionState>();
  /**
   * One counter for all sessions: it grows with every grant of any session, hence also of each
   * session, and it survives a session's entry being deleted while idle.
   */
  #lastFence = 0;
  #closed = false;

  acquire(sessionId: string, options: { maxWaiting: number; signal?: AbortSignal }): Promise<SessionLease> {
    const { maxWaiting, signal } = options;
    try {
      checkMaxWaiting(maxWaiting);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(shuttingDownError());
    if (signal?.aborted) return Promise.reject(signal.reason);

    const state = this.#sessions.get(sessionId);
    if (state === undefined) {
      this.#sessions.set(sessionId, { waiters: [] });
      return Promise.resolve(this.#grant(sessionId));
    }
    if (state.waiters.length >= maxWaiting) return Promise.reject(sessionBusyError(maxWaiting));

    return new Promise<SessionLease>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const index = state.waiters.indexOf(waiter);
          if (index !== -1) state.waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      state.waiters.push(waiter);
    });
  }

  /** Rejects everyone still waiting; holders keep their leases until they release them. */
  close(): void {
    this.#closed = true;
    for (const state of this.#sessions.values()) {
      for (const waiter of state.waiters.splice(0)) {
        this.#detach(waiter);
        waiter.reject(shuttingDownError());
      }
    }
  }

  /** Number of sessions with a holder; for tests that check idle sessions leave nothing behind. */
  get activeSessionCount(): number {
    return this.#sessions.size;
  }

  #grant(sessionId: string): SessionLease {
    const fence = ++this.#lastFence;
    let released = false;
    return {
      fence,
      release: () => {
        if (!released) {
          released = true;
          this.#handOver(sessionId);
        }
        return Promise.resolve();
      },
    };
  }

  #handOver(sessionId: string): void {
    const state = this.#sessions.get(sessionId);
    if (state === undefined) return;
    const next = state.waiters.shift();
    if (next === undefined) {
      this.#sessions.delete(sessionId);
      return;
    }
    this.#detach(next);
    next.resolve(this.#grant(sessionId));
  }

  #detach(waiter: Waiter): void {
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}
