/**
 * Session queue shared by every instance through Redis.
 *
 * Each acquire takes a ticket from one global counter (the ticket doubles as the fence) and joins
 * the session's sorted set of tickets; the lowest live ticket holds the session. Admission and
 * enqueue happen in one script, so "at most maxWaiting behind the holder" holds across instances.
 * Every ticket carries a deadline its owner pushes forward (waiters while they poll, the holder on
 * a timer every lockTtlMs/3); tickets past their deadline are pruned by whoever looks next, so a
 * crashed instance blocks a session for about lockTtlMs at most. Releases are announced on a
 * pub/sub channel to wake waiters at once; polling with backoff covers lost notifications.
 */

import type { Redis } from 'ioredis';
import type { SessionLease, SessionQueue } from '../coordination.ts';
import { AppError } from '../../errors.ts';
import { checkMaxWaiting, sessionBusyError, shuttingDownError, type ErrorReporter } from '../common.ts';
import type { CoordinationScripts } from './lua-scripts.ts';
import { guarded } from './redis-connection.ts';
import { TurnWaiter } from './turn-waiter.ts';

export interface RedisSessionQueueOptions {
  redis: Redis;
  scripts: CoordinationScripts;
  keyPrefix: string;
  releaseChannel: string;
  lockTtlMs: number;
  onError: ErrorReporter;
}

interface SessionKeys {
  tickets: string;
  deadlines: string;
}

const firstPollMs = 25;
/** How often a release that Redis did not get is tried again. */
const releaseRetryMs = 250;

export class RedisSessionQueue implements SessionQueue {
  readonly #scripts: CoordinationScripts;
  readonly #keyPrefix: string;
  readonly #fenceKey: string;
  readonly #releaseChannel: string;
  readonly #lockTtlMs: number;
  /** Waiters must heartbeat well within the TTL, so polling never backs off past a third of it. */
  readonly #maxPollMs: number;
  readonly #onError: ErrorReporter;
  readonly #waiters = new Map<string, Set<TurnWaiter>>();
  readonly #heartbeats = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(options: RedisSessionQueueOptions) {
    this.#scripts = options.scripts;
    this.#keyPrefix = options.keyPrefix;
    this.#fenceKey = `${options.keyPrefix}session-fence`;
    this.#releaseChannel = options.releaseChannel;
    this.#lockTtlMs = options.lockTtlMs;
    this.#maxPollMs = Math.max(10, Math.min(1_000, Math.floor(options.lockTtlMs / 3)));
    this.#onError = options.onError;
  }

  async acquire(sessionId: string, options: { maxWaiting: number; signal?: AbortSignal }): Promise<SessionLease> {
    const { maxWaiting, signal } = options;
    checkMaxWaiting(maxWaiting);
    if (this.#closed) throw shuttingDownError();
    signal?.throwIfAborted();

    const keys = this.#keys(sessionId);
    // Listen before enqueueing: a release published while the enqueue reply travels is not lost.
    const waiter = new TurnWaiter();
    this.#addWaiter(sessionId, waiter);
    try {
      const [ticket, rank] = await guarded(() =>
        this.#scripts.fleetchatSessionEnqueue(
          keys.tickets, keys.deadlines, this.#fenceKey,
          maxWaiting, this.#lockTtlMs, this.#releaseChannel, sessionId,
        ),
      );
      if (ticket < 0) throw sessionBusyError(maxWaiting);
      try {
        if (rank > 0) await this.#waitForTurn(sessionId, keys, ticket, waiter, signal);
        // A caller that gave up during the last round trip would never release: hand it back.
        if (this.#closed) throw shuttingDownError();
        signal?.throwIfAborted();
      } catch (error) {
        void this.#releaseTicket(sessionId, keys, ticket);
        throw error;
      }
      return this.#hold(sessionId, keys, ticket);
    } finally {
      this.#removeWaiter(sessionId, waiter);
    }
  }

  /** Called for each release notification heard on the channel. */
  wake(sessionId: string): void {
    const waiters = this.#waiters.get(sessionId);
    if (waiters === undefined) return;
    for (const waiter of waiters) waiter.wake();
  }

  /**
   * Stops heartbeats and rejects local waiters. Held leases are not released here: their owners
   * release them as their answers end; any left over expire after lockTtlMs.
   */
  close(): void {
    this.#closed = true;
    for (const timer of this.#heartbeats) clearInterval(timer);
    this.#heartbeats.clear();
    for (const waiters of this.#waiters.values()) {
      for (const waiter of waiters) waiter.fail(shuttingDownError());
    }
  }

  async #waitForTurn(
    sessionId: string,
    keys: SessionKeys,
    ticket: number,
    waiter: TurnWaiter,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let delay = firstPollMs;
    for (;;) {
      const woken = await waiter.pause(delay, signal);
      const rank = await guarded(() => this.#heartbeat(sessionId, keys, ticket));
      if (rank === 0) return;
      if (rank < 0) throw lostPlaceError();
      delay = woken ? firstPollMs : Math.min(delay * 2, this.#maxPollMs);
    }
  }

  #hold(sessionId: string, keys: SessionKeys, ticket: number): SessionLease {
    const timer = setInterval(() => {
      this.#heartbeat(sessionId, keys, ticket).then(
        (rank) => {
          if (rank >= 0) return;
          stopHeartbeat();
          this.#onError(lostPlaceError(), `session ${sessionId} lease ${ticket} expired while held`);
        },
        // Redis is briefly away; the next beat retries, and the TTL covers the gap.
        () => undefined,
      );
    }, Math.max(10, Math.floor(this.#lockTtlMs / 3)));
    // A held lease must not keep a finished process alive.
    timer.unref();
    this.#heartbeats.add(timer);
    const stopHeartbeat = (): void => {
      clearInterval(timer);
      this.#heartbeats.delete(timer);
    };

    let released: Promise<void> | undefined;
    return {
      fence: ticket,
      release: () => {
        released ??= (async () => {
          stopHeartbeat();
          await this.#releaseTicket(sessionId, keys, ticket);
        })();
        return released;
      },
    };
  }

  #heartbeat(sessionId: string, keys: SessionKeys, ticket: number): Promise<number> {
    return this.#scripts.fleetchatSessionHeartbeat(
      keys.tickets, keys.deadlines, ticket, this.#lockTtlMs, this.#releaseChannel, sessionId,
    );
  }

  /**
   * Never throws: release runs in `finally` blocks where an error would hide the answer's own
   * outcome. If Redis cannot be told, the ticket stops heartbeating and expires after lockTtlMs;
   * meanwhile the release is retried, so that a short Redis outage does not hold the session up
   * for the whole TTL.
   */
  async #releaseTicket(sessionId: string, keys: SessionKeys, ticket: number): Promise<void> {
    try {
      await this.#scripts.fleetchatSessionRelease(keys.tickets, keys.deadlines, ticket, this.#releaseChannel, sessionId);
    } catch (error) {
      this.#onError(error, `could not release session ${sessionId} lease ${ticket}; retrying, and it expires in ${this.#lockTtlMs} ms anyway`);
      this.#retryRelease(sessionId, keys, ticket, Date.now() + this.#lockTtlMs);
    }
  }

  #retryRelease(sessionId: string, keys: SessionKeys, ticket: number, giveUpAt: number): void {
    if (this.#closed || Date.now() >= giveUpAt) return;
    const timer = setTimeout(() => {
      this.#heartbeats.delete(timer);
      this.#scripts
        .fleetchatSessionRelease(keys.tickets, keys.deadlines, ticket, this.#releaseChannel, sessionId)
        .catch(() => this.#retryRelease(sessionId, keys, ticket, giveUpAt));
    }, releaseRetryMs);
    timer.unref();
    this.#heartbeats.add(timer);
  }

  #keys(sessionId: string): SessionKeys {
    // The braces make both keys of a session share a hash slot, should this ever meet a cluster.
    const base = `${this.#keyPrefix}session:{${sessionId}}`;
    return { tickets: `${base}:tickets`, deadlines: `${base}:deadlines` };
  }

  #addWaiter(sessionId: string, waiter: TurnWaiter): void {
    let waiters = this.#waiters.get(sessionId);
    if (waiters === undefined) {
      waiters = new Set();
      this.#waiters.set(sessionId, waiters);
    }
    waiters.add(waiter);
  }

  #removeWaiter(sessionId: string, waiter: TurnWaiter): void {
    const waiters = this.#waiters.get(sessionId);
    if (waiters === undefined) return;
    waiters.delete(waiter);
    if (waiters.size === 0) this.#waiters.delete(sessionId);
  }
}

function lostPlaceError(): AppError {
  return new AppError(
    'UNAVAILABLE',
    'Lost the place in the session queue because Redis could not be reached in time; retry shortly.',
    { retryAfter: 1 },
  );
}
