/**
 * The coordination port: what instances of fleetchat must agree on. `memory/` serves one
 * instance; `redis/` serves many sharing one Redis.
 */

export interface SessionLease {
  /** A number that grows with every grant of the same session's lock (fencing token). */
  readonly fence: number;
  /** Let the next waiter in. Idempotent. */
  release(): Promise<void>;
}

export interface SessionQueue {
  /**
   * Waits for the session's turn, first come first served. Throws AppError SESSION_BUSY when
   * `maxWaiting` callers already wait behind the holder; rejects with the signal's reason when
   * `signal` aborts while waiting.
   */
  acquire(sessionId: string, options: { maxWaiting: number; signal?: AbortSignal }): Promise<SessionLease>;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface RateLimiter {
  /** Counts one hit on `key` in a fixed window of `windowMs`; `limit` 0 means no limit. */
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision>;
}

export interface CancelBus {
  /** Registers a running answer so that `cancel` anywhere can stop it; returns an unregister. */
  register(messageId: string, abort: (reason: string) => void): () => void;
  /** True when the answer was running somewhere and has been told to stop. */
  cancel(messageId: string): Promise<boolean>;
}

/**
 * "This user was deleted or its password changed", to every instance: caches drop the user and
 * sockets check their token again (a deleted user's, or one issued before the change, fails).
 */
export interface RevocationBus {
  publishUserChanged(userId: string): Promise<void>;
  onUserChanged(listener: (userId: string) => void): () => void;
}

export interface Coordination {
  readonly kind: 'memory' | 'redis';
  readonly sessions: SessionQueue;
  readonly rateLimiter: RateLimiter;
  readonly cancels: CancelBus;
  readonly revocations: RevocationBus;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
