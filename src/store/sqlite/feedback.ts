/** Feedback: one rating per user per message; rating again replaces it but keeps createdAt. */
import type { Database } from 'better-sqlite3';
import { assertStorableText, lazy, type SynchronousStore } from './repository.ts';
import { toFeedback, type FeedbackRow } from './rows.ts';

export function createFeedbackRepository(database: Database): Pick<SynchronousStore, 'upsertFeedback'> {
  const statements = lazy(() => ({
    upsert: database.prepare(
      `INSERT INTO feedback (message_id, user_id, rating, comment, created_at, updated_at)
       VALUES (@messageId, @userId, @rating, @comment, @now, @now)
       ON CONFLICT (message_id, user_id) DO UPDATE SET
         rating = excluded.rating, comment = excluded.comment, updated_at = excluded.updated_at
       RETURNING *`,
    ),
  }));

  return {
    upsertFeedback(input) {
      if (input.comment !== null) assertStorableText(input.comment, 'comment');
      const row = statements().upsert.get({
        messageId: input.messageId,
        userId: input.userId,
        rating: input.rating,
        comment: input.comment,
        now: input.now.getTime(),
      }) as FeedbackRow;
      return toFeedback(row);
    },
  };
}
