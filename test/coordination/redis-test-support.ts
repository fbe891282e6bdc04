/** Helpers for the Redis coordination tests: finding a Redis, unique prefixes, a breakable proxy. */

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when a Redis answers PING at `url` within `timeoutMs`. */
export async function probeRedis(url: string, timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A prefix no other test run (parallel CI jobs, other engineers) will use. */
export function uniqueKeyPrefix(): string {
  return `fleetchat-test:${process.pid}-${randomUUID().slice(0, 8)}:`;
}

export async function deleteKeys(url: string, keyPrefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  try {
    const keys = await client.keys(`${keyPrefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

export async function countKeys(url: string, pattern: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  try {
    return (await client.keys(pattern)).length;
  } finally {
    client.disconnect();
  }
}

/** A TCP proxy in front of Redis that a test can cut (stop) and restore (start); now shared in test/helpers. */
export { BreakableProxy } from '../helpers/tcp-proxy.ts';
