import { isUuid } from '../../ids.ts';
import type { Feedback, IdempotencyBegin, Store } from '../store.ts';
import type { Database } from './connection.ts';
import { toFeedback, type FeedbackRow } from './rows.ts';
import { toJsonParameter } from './text-guard.ts';

export type FeedbackIdempotencyMethods = Pick<Store, 'upsertFeedback' | 'beginIdempotency' | 'completeIdempotency' | 'releaseIdempotency'>;

interface IdempotencyRow {
  request_hash: string;
  state: 'in_progress' | 'done';
  status_code: number | null;
  response: unknown;
}

export function createFeedbackIdempotencyMethods(database: Database): FeedbackIdempotencyMethods {
  return {
    async upsertFeedback(input): Promise<Feedback> {
      // One statement, atomic on its own: two ratings racing end as one row, the later one.
      // created_at is left out of the UPDATE so the first rating's time survives.
      const result = await database.query<FeedbackRow>({
        name: 'feedback_upsert',
        text: `INSERT INTO feedback (message_id, user_id, rating, comment, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $5)
               ON CONFLICT (message_id, user_id)
               DO UPDATE SET rating = excluded.rating, comment = excluded.comment, updated_at = excluded.updated_at
               RETURNING *`,
        values: [input.messageId, input.userId, input.rating, input.comment, input.now],
      });
      return toFeedback(result.rows[0]);
    },

    async beginIdempotency(input): Promise<IdempotencyBegin> {
      const expiresAt = new Date(input.now.getTime() + input.ttlMs);
      return database.transaction(async (client) => {
        // Claims a free key or takes over an expired one. On a live key the WHERE fails and
        // nothing is returned, but ON CONFLICT has locked that row for this transaction, so
        // the read below sees it as committed and a concurrent release cannot delete it
        // between the two statements.
        const claimed = await client.query({
          name: 'idempotency_claim',
          text: `INSERT INTO idempotency_keys (user_id, key, request_hash, state, status_code, response, created_at, expires_at)
                 VALUES ($1, $2, $3, 'in_progress', NULL, NULL, $4, $5)
                 ON CONFLICT (user_id, key) DO UPDATE
                   SET request_hash = excluded.request_hash, state = 'in_progress', status_code = NULL, response = NULL,
                       created_at = excluded.created_at, expires_at = excluded.expires_at
                   WHERE idempotency_keys.expires_at <= excluded.created_at
                 RETURNING 1`,
          values: [input.userId, input.key, input.requestHash, input.now, expiresAt],
        });
        if (claimed.rowCount > 0) return { outcome: 'started' };
        const existing = await client.query<IdempotencyRow>({
          name: 'idempotency_read',
          text: 'SELECT request_hash, state, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
          values: [input.userId, input.key],
        });
        const row = existing.rows[0];
        if (!row) throw new Error('idempotency key vanished while locked'); // cannot happen: the row is locked
        if (row.request_hash !== input.requestHash) return { outcome: 'mismatch' };
        if (row.state === 'in_progress') return { outcome: 'in_progress' };
        return { outcome: 'done', statusCode: row.status_code ?? 200, response: row.response };
      });
    },

    async completeIdempotency(userId, key, statusCode, response) {
      if (!isUuid(userId)) return;
      await database.query({
        name: 'idempotency_complete',
        text: "UPDATE idempotency_keys SET state = 'done', status_code = $3, response = $4::jsonb WHERE user_id = $1 AND key = $2",
        values: [userId, key, statusCode, toJsonParameter(response, 'idempotent response')],
      });
    },

    async releaseIdempotency(userId, key) {
      if (!isUuid(userId)) return;
      await database.query({
        name: 'idempotency_release',
        text: "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'in_progress'",
        values: [userId, key],
      });
    },
  };
}
