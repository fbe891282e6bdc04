/** The coordination family's public surface: the port and its two implementations. */

export type {
  CancelBus,
  Coordination,
  RateDecision,
  RateLimiter,
  RevocationBus,
  SessionLease,
  SessionQueue,
} from './coordination.ts';
export { createMemoryCoordination, type MemoryCoordinationOptions } from './memory/index.ts';
export { createRedisCoordination, type RedisCoordinationOptions } from './redis/index.ts';
export type { ErrorReporter } from './common.ts';
