/**
 * Idempotency keys, per user. A claim is read and written inside one IMMEDIATE transaction:
 * the write lock is taken before the read, so two processes sharing the file cannot both see
 * "no claim" and both start the request.
 */
import type { Database } from 'better-sqlite3';
import type { IdempotencyBegin } from '../store.ts';
import { lazy, type SynchronousStore } from './repository.ts';

type IdempotencyMethods = Pick<SynchronousStore, 'beginIdempotency' | 'completeIdempotency' | 'releaseIdempotency'>;

interface ClaimRow {
  request_hash: string;
  state: 'in_progress' | 'done';
  status_code: number | null;
  response: string | null;
  expires_at: number;
}

interface BeginInput {
  userId: string;
  key: string;
  requestHash: string;
  now: Date;
  ttlMs: number;
}

export function createIdempotencyRepository(database: Database): IdempotencyMethods {
  const statements = lazy(() => {
    const read = database.prepare<[string, string]>(
      'SELECT request_hash, state, status_code, response, expires_at FROM idempotency_keys WHERE user_id = ? AND key = ?',
    );
    // INSERT OR REPLACE: the only row it can replace is an expired one (checked just before).
    const claim = database.prepare(
      `INSERT OR REPLACE INTO idempotency_keys (user_id, key, request_hash, state, status_code, response, created_at, expires_at)
       VALUES (@userId, @key, @requestHash, 'in_progress', NULL, NULL, @now, @expiresAt)`,
    );
    const begin = database.transaction((input: BeginInput): IdempotencyBegin => {
      const now = input.now.getTime();
      const existing = read.get(input.userId, input.key) as ClaimRow | undefined;
      if (existing !== undefined && existing.expires_at > now) {
        // Another body under the same key is a client bug whatever the first request's state.
        if (existing.request_hash !== input.requestHash) return { outcome: 'mismatch' };
        if (existing.state === 'in_progress') return { outcome: 'in_progress' };
        return {
          outcome: 'done',
          statusCode: existing.status_code as number,
          response: existing.response === null ? null : JSON.parse(existing.response),
        };
      }
      claim.run({ userId: input.userId, key: input.key, requestHash: input.requestHash, now, expiresAt: now + input.ttlMs });
      return { outcome: 'started' };
    });
    return {
      begin,
      complete: database.prepare<[number, string | null, string, string]>(
        "UPDATE idempotency_keys SET state = 'done', status_code = ?, response = ? WHERE user_id = ? AND key = ?",
      ),
      // Only a claim still running is forgotten: a finished answer stays replayable.
      release: database.prepare<[string, string]>(
        "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND state = 'in_progress'",
      ),
    };
  });

  return {
    beginIdempotency(input) {
      return statements().begin.immediate(input);
    },
    completeIdempotency(userId, key, statusCode, response) {
      const json = response === undefined ? null : JSON.stringify(response);
      statements().complete.run(statusCode, json, userId, key);
    },
    releaseIdempotency(userId, key) {
      statements().release.run(userId, key);
    },
  };
}
