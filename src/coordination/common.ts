/**
 * Pieces both coordination backends share, so that callers see the same errors and the same
 * listener semantics whichever backend main.ts picked.
 */

import { AppError } from '../errors.ts';
import type { RateDecision } from './coordination.ts';

/** The reason handed to a registered answer's `abort` when someone cancels it. */
export const cancelReason = 'cancelled';

/** `limit` 0 means no limit: nothing is counted (no Redis round trip) and nothing is refused. */
export const unlimited: RateDecision = Object.freeze({
  allowed: true,
  limit: 0,
  remaining: Number.POSITIVE_INFINITY,
  resetMs: 0,
});

export function sessionBusyError(maxWaiting: number): AppError {
  const waiting = maxWaiting === 1 ? '1 more message is' : `${maxWaiting} more messages are`;
  return new AppError(
    'SESSION_BUSY',
    maxWaiting === 0
      ? 'This session is already answering a message; wait for it to finish and retry.'
      : `This session is already answering a message and ${waiting} waiting; wait for one to finish and retry.`,
  );
}

export function shuttingDownError(): AppError {
  return new AppError('UNAVAILABLE', 'The server is shutting down; retry shortly.', { retryAfter: 1 });
}

export function checkMaxWaiting(maxWaiting: number): void {
  // A wrong value here is a wiring bug, not a client error; fail loudly rather than serialize nothing.
  if (!Number.isInteger(maxWaiting) || maxWaiting < 0) {
    throw new RangeError(`maxWaiting must be a whole number ≥ 0, got ${maxWaiting}`);
  }
}

export type ErrorReporter = (error: unknown, context: string) => void;

/** Default reporter: visible in the process output, never fatal. main.ts should pass its logger. */
export const warnOnError: ErrorReporter = (error, context) => {
  process.emitWarning(`fleetchat coordination: ${context}: ${error instanceof Error ? error.message : String(error)}`);
};

/**
 * Listeners called in registration order; one that throws must not keep the others from
 * hearing about a revoked user (its sockets would stay open), so errors are reported, not thrown.
 */
export class ListenerSet<Value> {
  readonly #listeners = new Set<(value: Value) => void>();
  readonly #onError: ErrorReporter;

  constructor(onError: ErrorReporter) {
    this.#onError = onError;
  }

  add(listener: (value: Value) => void): () => void {
    // Wrapping gives each registration its own identity, so adding one function twice and
    // removing one of them works as callers expect.
    const entry = (value: Value): void => listener(value);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(value: Value): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (error) {
        this.#onError(error, 'a revocation listener threw');
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
