/**
 * Fixed-window counters for one instance. Expired windows are swept on an unref'd interval so a
 * stream of one-off keys (say, one per client IP) cannot grow memory without bound.
 */

import type { RateDecision, RateLimiter } from '../coordination.ts';
import { unlimited } from '../common.ts';

interface Window {
  count: number;
  resetAt: number;
}

export interface MemoryRateLimiterOptions {
  now?: () => number;
  sweepIntervalMs?: number;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;
  readonly #sweepTimer: NodeJS.Timeout;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 30_000);
    this.#sweepTimer.unref();
  }

  hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return Promise.resolve(this.hitNow(key, limit, windowMs));
  }

  /** The synchronous core of `hit`, for callers in this folder that need no promise. */
  hitNow(key: string, limit: number, windowMs: number): RateDecision {
    if (limit === 0) return unlimited;
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return {
      allowed: window.count <= limit,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetMs: window.resetAt - now,
    };
  }

  /** Drops every window that has ended. */
  sweep(): void {
    const now = this.#now();
    for (const [key, window] of this.#windows) {
      if (window.resetAt <= now) this.#windows.delete(key);
    }
  }

  get size(): number {
    return this.#windows.size;
  }

  close(): void {
    clearInterval(this.#sweepTimer);
    this.#windows.clear();
  }
}
