/**
 * One caller waiting for its session's turn. Between checks it sleeps until the first of: a
 * release notification (`wake`), its poll delay, its abort signal, or shutdown (`fail`). A wake
 * that lands while the caller is busy checking is remembered, so no notification is lost.
 */

export class TurnWaiter {
  #pendingWake = false;
  #failure: unknown;
  #hasFailed = false;
  #interrupt: ((woken: boolean, error?: unknown) => void) | undefined;

  wake(): void {
    this.#pendingWake = true;
    this.#interrupt?.(true);
  }

  fail(error: unknown): void {
    this.#hasFailed = true;
    this.#failure = error;
    this.#interrupt?.(false, error);
  }

  /** Resolves true when woken, false after `delayMs`; rejects on abort or `fail`. */
  pause(delayMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.#hasFailed) return Promise.reject(this.#failure);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#pendingWake) {
      this.#pendingWake = false;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve, reject) => {
      const finish = (woken: boolean, error?: unknown, failed = false): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#interrupt = undefined;
        this.#pendingWake = false;
        if (failed) reject(error);
        else resolve(woken);
      };
      const onAbort = (): void => finish(false, signal?.reason, true);
      const timer = setTimeout(() => finish(false), delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#interrupt = (woken, error) => finish(woken, error, error !== undefined || this.#hasFailed);
    });
  }
}
