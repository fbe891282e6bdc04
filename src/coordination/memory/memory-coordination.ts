/** In-process coordination: enough for a single fleetchat instance, and the fastest option. */

import type { Coordination } from '../coordination.ts';
import { warnOnError, type ErrorReporter } from '../common.ts';
import { MemoryCancelBus, MemoryRevocationBus } from './memory-buses.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import { MemorySessionQueue } from './memory-session-queue.ts';

export interface MemoryCoordinationOptions {
  /** Clock for rate windows; tests inject one. */
  now?: () => number;
  /** How often ended rate windows are dropped. Default 30 s. */
  rateSweepIntervalMs?: number;
  /** Told when a revocation listener throws. Default: a process warning. */
  onError?: ErrorReporter;
}

export function createMemoryCoordination(options: MemoryCoordinationOptions = {}): Coordination {
  const sessions = new MemorySessionQueue();
  const rateLimiter = new MemoryRateLimiter({ now: options.now, sweepIntervalMs: options.rateSweepIntervalMs });
  const cancels = new MemoryCancelBus();
  const revocations = new MemoryRevocationBus(options.onError ?? warnOnError);
  let closed = false;

  return {
    kind: 'memory',
    sessions,
    rateLimiter,
    cancels,
    revocations,
    ping: () => Promise.resolve(!closed),
    close: () => {
      closed = true;
      sessions.close();
      rateLimiter.close();
      cancels.clear();
      revocations.clear();
      return Promise.resolve();
    },
  };
}
