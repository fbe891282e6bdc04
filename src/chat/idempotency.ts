import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { AnswerEvent, AnswerInput, AnswerResult } from './events.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** What makes two requests "the same": the fields that change the answer, not the transport. */
export function requestHash(input: AnswerInput): string {
  const canonical = JSON.stringify([input.message, input.agentId ?? null, input.sessionId ?? null, input.explainRouting === true]);
  return createHash('sha256').update(canonical).digest('base64url');
}

export function checkIdempotencyKey(key: string): void {
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError('VALIDATION_ERROR', 'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice).');
  }
}

/** A stored answer replayed as the same event stream, in one chunk. */
export function* replayEvents(result: AnswerResult): Generator<AnswerEvent> {
  const { response, inputTokens, outputTokens, durationMs, model, ...header } = result;
  yield { type: 'start', ...header };
  if (response.length > 0) yield { type: 'delta', seq: 1, text: response };
  yield { type: 'end', ...result };
}

export const idempotencyInProgress = () =>
  new AppError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running; retry when it has finished.', { retryAfter: 1 });

export const idempotencyKeyReused = () =>
  new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with another request body; use a new key for a new request.');
