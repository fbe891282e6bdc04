/**
 * Cancellation and revocation across instances. Both keep a local registry (answers running
 * here, listeners here) and use Redis pub/sub to reach the other instances.
 */

import type { Redis } from 'ioredis';
import type { CancelBus, RevocationBus } from '../coordination.ts';
import { ListenerSet, type ErrorReporter } from '../common.ts';
import { MemoryCancelBus } from '../memory/memory-buses.ts';
import type { CoordinationScripts } from './lua-scripts.ts';
import { guarded } from './redis-connection.ts';

/** How long `running:<messageId>` outlives its last refresh; an answer's owner refreshes it. */
const runningTtlMs = 60_000;

export interface RedisCancelBusOptions {
  redis: Redis;
  scripts: CoordinationScripts;
  keyPrefix: string;
  instanceId: string;
}

/**
 * `running:<messageId>` names the instance running an answer, and each instance listens on its
 * own channel `cancel:<instanceId>`. A cancel therefore publishes to exactly one instance, and the
 * number of subscribers that heard it tells the caller whether the answer was still running.
 */
export class RedisCancelBus implements CancelBus {
  readonly #local = new MemoryCancelBus();
  readonly #redis: Redis;
  readonly #scripts: CoordinationScripts;
  readonly #keyPrefix: string;
  readonly #instanceId: string;
  readonly #refreshTimer: NodeJS.Timeout;
  readonly channelPrefix: string;
  readonly ownChannel: string;

  constructor(options: RedisCancelBusOptions) {
    this.#redis = options.redis;
    this.#scripts = options.scripts;
    this.#keyPrefix = options.keyPrefix;
    this.#instanceId = options.instanceId;
    this.channelPrefix = `${options.keyPrefix}cancel:`;
    this.ownChannel = `${this.channelPrefix}${options.instanceId}`;
    this.#refreshTimer = setInterval(() => this.#refresh(), runningTtlMs / 3);
    this.#refreshTimer.unref();
  }

  register(messageId: string, abort: (reason: string) => void): () => void {
    const unregisterLocally = this.#local.register(messageId, abort);
    const key = this.#runningKey(messageId);
    // Registration must not slow the answer down or fail it: if Redis misses this write, the
    // answer can still be cancelled from this instance, and the refresh timer retries the key.
    this.#redis.set(key, this.#instanceId, 'PX', runningTtlMs).catch(() => undefined);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unregisterLocally();
      if (!this.#local.has(messageId)) this.#redis.del(key).catch(() => undefined);
    };
  }

  async cancel(messageId: string): Promise<boolean> {
    if (this.#local.cancelLocally(messageId)) return true;
    const heard = await guarded(() =>
      this.#scripts.fleetchatCancel(this.#runningKey(messageId), this.channelPrefix, messageId),
    );
    return heard > 0;
  }

  /** A cancel published to this instance's channel. */
  handleMessage(messageId: string): void {
    this.#local.cancelLocally(messageId);
  }

  close(): void {
    clearInterval(this.#refreshTimer);
    this.#local.clear();
  }

  #refresh(): void {
    if (this.#redis.status !== 'ready') return;
    const pipeline = this.#redis.pipeline();
    let count = 0;
    for (const messageId of this.#local.runningIds) {
      pipeline.set(this.#runningKey(messageId), this.#instanceId, 'PX', runningTtlMs);
      count += 1;
    }
    if (count > 0) pipeline.exec().catch(() => undefined);
  }

  #runningKey(messageId: string): string {
    return `${this.#keyPrefix}running:${messageId}`;
  }
}

export interface RedisRevocationBusOptions {
  redis: Redis;
  channel: string;
  instanceId: string;
  onError: ErrorReporter;
}

interface RevocationMessage {
  from: string;
  userId: string;
}

/**
 * Local listeners hear a revocation published here at once, without the round trip; the echo
 * of our own message from Redis is recognised by instance id and skipped, so each listener is
 * called exactly once per revocation.
 */
export class RedisRevocationBus implements RevocationBus {
  readonly #listeners: ListenerSet<string>;
  readonly #redis: Redis;
  readonly #instanceId: string;
  readonly #onError: ErrorReporter;
  readonly channel: string;

  constructor(options: RedisRevocationBusOptions) {
    this.#redis = options.redis;
    this.channel = options.channel;
    this.#instanceId = options.instanceId;
    this.#onError = options.onError;
    this.#listeners = new ListenerSet(options.onError);
  }

  async publishUserChanged(userId: string): Promise<void> {
    // Local sockets close even when Redis is away; the caller then learns the rest failed.
    this.#listeners.emit(userId);
    const message: RevocationMessage = { from: this.#instanceId, userId };
    await guarded(() => this.#redis.publish(this.channel, JSON.stringify(message)));
  }

  onUserChanged(listener: (userId: string) => void): () => void {
    return this.#listeners.add(listener);
  }

  handleMessage(payload: string): void {
    let message: RevocationMessage;
    try {
      message = JSON.parse(payload) as RevocationMessage;
    } catch (error) {
      this.#onError(error, 'ignored a revocation message that is not JSON');
      return;
    }
    if (message.from === this.#instanceId || typeof message.userId !== 'string') return;
    this.#listeners.emit(message.userId);
  }

  close(): void {
    this.#listeners.clear();
  }
}
