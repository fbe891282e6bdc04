/**
 * The two writes of the answer path, each one statement (data-modifying CTEs): one round trip
 * instead of the five or six of BEGIN, the statements and COMMIT. A single statement is atomic,
 * and the foreign keys of its parts are checked at its end, so a new session and its first
 * message can go in together.
 */
import type { Message, NewMessage, NewSession, Store, UsageRecord } from '../store.ts';
import type { Database } from './connection.ts';
import { messageColumns, messageParameters, toStoredMessage } from './rows.ts';
import { assertStorableText } from './text-guard.ts';

export type AnswerMethods = Pick<Store, 'beginTurn' | 'completeAnswer'>;

const messageValues = (first: number): string => Array.from({ length: 14 }, (_, index) => `$${first + index}`).join(', ');



// GREATEST: a message stamped earlier (clock skew between instances) never moves activity back.
const bumpSession = (idParameter: string, atParameter: string) =>
  `UPDATE sessions SET last_message_at = GREATEST(last_message_at, ${atParameter}), message_count = message_count + 1 WHERE id = ${idParameter}`;

const usageUpsert = (first: number) => `INSERT INTO agent_usage (workspace_id, agent_id, model, day, input_tokens, output_tokens, errors, updated_at)
  VALUES ($${first}, $${first + 1}, $${first + 2}, $${first + 3}::date, $${first + 4}, $${first + 5}, $${first + 6}, $${first + 7})
  ON CONFLICT (agent_id, day, model) DO UPDATE SET
    input_tokens = agent_usage.input_tokens + excluded.input_tokens,
    output_tokens = agent_usage.output_tokens + excluded.output_tokens,
    errors = agent_usage.errors + excluded.errors,
    updated_at = excluded.updated_at`;

const usageParameters = (usage: UsageRecord): unknown[] => [
  usage.workspaceId,
  usage.agentId,
  usage.model,
  usage.day,
  usage.inputTokens,
  usage.outputTokens,
  usage.errors,
  usage.at,
];

/**
 * A message into an existing session, with the session's activity time and count, as one
 * statement: atomic, and one round trip. `insertMessage` of the port is this too.
 */
export async function insertMessageAndBump(database: Database, message: NewMessage): Promise<Message> {
  assertStorableText(message.content, 'message content');
  await database.query({
    name: 'message_insert_and_bump',
    text: `WITH added AS (INSERT INTO messages (${messageColumns}) VALUES (${messageValues(1)}))
           ${bumpSession('$2', '$14')}`,
    values: messageParameters(message),
  });
  return toStoredMessage(message);
}

export function createAnswerMethods(database: Database): AnswerMethods {
  return {
    async beginTurn({ session, message }: { session?: NewSession; message: NewMessage }) {
      assertStorableText(message.content, 'message content');
      if (session) {
        assertStorableText(session.title, 'session title');
        await database.query({
          name: 'turn_begin_new_session',
          text: `WITH opened AS (
                   INSERT INTO sessions (id, workspace_id, user_id, agent_id, title, created_at, last_message_at, message_count)
                   VALUES ($15, $16, $17, $18, $19, $20, $21, 1))
                 INSERT INTO messages (${messageColumns}) VALUES (${messageValues(1)})`,
          values: [
            ...messageParameters(message),
            session.id, session.workspaceId, session.userId, session.agentId, session.title, session.now,
            new Date(Math.max(session.now.getTime(), message.createdAt.getTime())),
          ],
        });
      } else {
        return insertMessageAndBump(database, message);
      }
      return toStoredMessage(message);
    },

    async completeAnswer({ message, streamed, usage }) {
      assertStorableText(message.content, 'message content');
      if (streamed) {
        // The row was written `streaming` when the answer began; finish it in place.
        await database.query({
          name: 'answer_complete_streamed',
          text: `WITH finished AS (
                   UPDATE messages SET content = $2, status = $3, input_tokens = $4, output_tokens = $5, model = $6, duration_ms = $7 WHERE id = $1),
                 counted AS (${usageUpsert(8)})
                 UPDATE agents SET last_active_at = $16 WHERE id = $17`,
          values: [
            message.id,
            message.content,
            message.status === 'streaming' ? 'incomplete' : message.status,
            message.inputTokens ?? null,
            message.outputTokens ?? null,
            message.model ?? null,
            message.durationMs ?? null,
            ...usageParameters(usage),
            usage.at,
            message.agentId,
          ],
        });
        return;
      }
      await database.query({
        name: 'answer_complete',
        text: `WITH added AS (INSERT INTO messages (${messageColumns}) VALUES (${messageValues(1)})),
               bumped AS (${bumpSession('$2', '$14')}),
               counted AS (${usageUpsert(15)})
               UPDATE agents SET last_active_at = $23 WHERE id = $5`,
        values: [...messageParameters(message), ...usageParameters(usage), usage.at],
      });
    },
  };
}
