/** Fixed-window counters shared by all instances: one key per window, expiring with it. */

import type { RateDecision, RateLimiter } from '../coordination.ts';
import { unlimited } from '../common.ts';
import type { CoordinationScripts } from './lua-scripts.ts';
import { guarded } from './redis-connection.ts';

export class RedisRateLimiter implements RateLimiter {
  readonly #scripts: CoordinationScripts;
  readonly #keyPrefix: string;

  constructor(scripts: CoordinationScripts, keyPrefix: string) {
    this.#scripts = scripts;
    this.#keyPrefix = `${keyPrefix}rate:`;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    // No limit: skip the round trip entirely.
    if (limit === 0) return unlimited;
    const [count, resetMs] = await guarded(() =>
      this.#scripts.fleetchatRateHit(`${this.#keyPrefix}${key}`, Math.max(1, Math.round(windowMs))),
    );
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs };
  }
}
