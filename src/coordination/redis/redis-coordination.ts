/** Coordination for many instances sharing one Redis: one command and one subscriber connection. */

import { randomUUID } from 'node:crypto';
import type { Coordination } from '../coordination.ts';
import { warnOnError, type ErrorReporter } from '../common.ts';
import { defineCoordinationScripts } from './lua-scripts.ts';
import { RedisCancelBus, RedisRevocationBus } from './redis-buses.ts';
import { closeConnection, connectWithin, guarded, openConnection } from './redis-connection.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';
import { RedisSessionQueue } from './redis-session-queue.ts';

export interface RedisCoordinationOptions {
  url: string;
  /** Prefix of every key and channel, so several deployments (or test runs) can share a Redis. */
  keyPrefix?: string;
  /** Names this instance on the cancel channels; random by default. */
  instanceId?: string;
  /** How long a crashed holder can block a session. Default 30 s. */
  lockTtlMs?: number;
  /** Default 2 s: also the time a bad URL takes to fail at start. */
  connectTimeoutMs?: number;
  /** Default 2 s: a Redis that accepts but does not answer fails calls after this long. */
  commandTimeoutMs?: number;
  /** Told about failures no caller can see (lost leases, throwing listeners). */
  onError?: ErrorReporter;
}

/** Rejects with AppError UNAVAILABLE when Redis does not answer within `connectTimeoutMs`. */
export async function createRedisCoordination(options: RedisCoordinationOptions): Promise<Coordination> {
  const keyPrefix = options.keyPrefix ?? 'fleetchat:';
  const instanceId = options.instanceId ?? randomUUID();
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const onError = options.onError ?? warnOnError;
  const tuning = {
    connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
    commandTimeoutMs: options.commandTimeoutMs ?? 2_000,
  };
  if (!Number.isFinite(lockTtlMs) || lockTtlMs < 30) throw new RangeError(`lockTtlMs must be ≥ 30, got ${lockTtlMs}`);

  const commands = openConnection(options.url, tuning, `fleetchat-${instanceId}`);
  const subscriber = openConnection(options.url, tuning, `fleetchat-${instanceId}-subscriber`);
  // Outages surface as UNAVAILABLE on calls and as ping() false; without a listener ioredis
  // would print every failed reconnect attempt.
  commands.on('error', () => undefined);
  subscriber.on('error', () => undefined);

  const scripts = defineCoordinationScripts(commands);
  const releaseChannel = `${keyPrefix}session-released`;
  const sessions = new RedisSessionQueue({ redis: commands, scripts, keyPrefix, releaseChannel, lockTtlMs, onError });
  const rateLimiter = new RedisRateLimiter(scripts, keyPrefix);
  const cancels = new RedisCancelBus({ redis: commands, scripts, keyPrefix, instanceId });
  const revocations = new RedisRevocationBus({
    redis: commands,
    channel: `${keyPrefix}revocations`,
    instanceId,
    onError,
  });

  subscriber.on('message', (channel: string, message: string) => {
    if (channel === releaseChannel) sessions.wake(message);
    else if (channel === cancels.ownChannel) cancels.handleMessage(message);
    else if (channel === revocations.channel) revocations.handleMessage(message);
  });

  const shutDown = async (): Promise<void> => {
    sessions.close();
    cancels.close();
    revocations.close();
    await Promise.all([closeConnection(commands), closeConnection(subscriber)]);
  };

  try {
    await Promise.all([
      connectWithin(commands, tuning.connectTimeoutMs),
      connectWithin(subscriber, tuning.connectTimeoutMs),
    ]);
    // ioredis subscribes again by itself after each reconnect.
    await guarded(() => subscriber.subscribe(releaseChannel, cancels.ownChannel, revocations.channel));
  } catch (error) {
    await shutDown();
    throw error;
  }

  let closed = false;
  return {
    kind: 'redis',
    sessions,
    rateLimiter,
    cancels,
    revocations,
    async ping() {
      // Without the subscriber, releases, cancels and revocations would go unheard: not healthy.
      if (closed || subscriber.status !== 'ready') return false;
      try {
        return (await commands.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await shutDown();
    },
  };
}
