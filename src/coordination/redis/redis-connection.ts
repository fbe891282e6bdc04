/**
 * Connections tuned to fail fast: while Redis is away, calls reject at once with 503 UNAVAILABLE
 * instead of queueing behind a dead socket, and ioredis keeps reconnecting in the background so
 * the gateway recovers by itself when Redis returns.
 */

import { Redis } from 'ioredis';
import { AppError } from '../../errors.ts';

export interface ConnectionTuning {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export function openConnection(url: string, tuning: ConnectionTuning, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Scripts here are not idempotent (an enqueue resent after a reconnect would take a second
    // ticket), so a command cut off by a disconnect fails rather than being sent again.
    autoResendUnfulfilledCommands: false,
    connectTimeout: tuning.connectTimeoutMs,
    commandTimeout: tuning.commandTimeoutMs,
    // Retry quickly at first, then every 2 s, forever: recovery must need no operator.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}

export function unavailable(cause?: unknown): AppError {
  return new AppError('UNAVAILABLE', 'Redis is unreachable; retry shortly.', { retryAfter: 1, cause });
}

/** Runs a Redis call, turning any failure of the connection or the server into UNAVAILABLE. */
export async function guarded<Result>(call: () => Promise<Result>): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unavailable(error);
  }
}

/** Connects, or rejects with UNAVAILABLE after `timeoutMs` so a misconfigured URL fails at boot. */
export async function connectWithin(connection: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(unavailable(new Error(`no answer within ${timeoutMs} ms`))), timeoutMs);
  });
  try {
    await Promise.race([connection.connect(), timeout]);
  } catch (error) {
    throw error instanceof AppError ? error : unavailable(error);
  } finally {
    clearTimeout(timer);
  }
}

/** quit() when the connection is up (lets pending replies arrive), disconnect() otherwise. */
export async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // Fall through: the socket died during quit; make sure reconnection stops.
    }
  }
  connection.disconnect();
}
