/** Messages: writes on the answer path, and the reads that feed prompts. */
import type { Database } from 'better-sqlite3';
import type { NewMessage } from '../store.ts';
import { assertStorableText, atomic, lazy, type SynchronousStore } from './repository.ts';
import { messageColumns, toMessage, type MessageRow } from './rows.ts';

type MessageMethods = Pick<
  SynchronousStore,
  'insertMessage' | 'finishMessage' | 'getMessage' | 'recentSessionMessages' | 'sweepStreaming'
>;

function toRow(input: NewMessage): MessageRow {
  return {
    id: input.id,
    session_id: input.sessionId,
    workspace_id: input.workspaceId,
    user_id: input.userId,
    agent_id: input.agentId,
    role: input.role,
    content: input.content,
    status: input.status,
    input_tokens: input.inputTokens ?? null,
    output_tokens: input.outputTokens ?? null,
    model: input.model ?? null,
    duration_ms: input.durationMs ?? null,
    routed_by: input.routedBy ?? null,
    created_at: input.createdAt.getTime(),
  };
}

export function createMessageRepository(database: Database): MessageMethods {
  const statements = lazy(() => {
    const insert = database.prepare(
      `INSERT INTO messages (${messageColumns}) VALUES (
         @id, @session_id, @workspace_id, @user_id, @agent_id, @role, @content, @status,
         @input_tokens, @output_tokens, @model, @duration_ms, @routed_by, @created_at)`,
    );
    // Only a later message moves lastMessageAt (never back when messages arrive out of clock
    // order), and a message at the session's own instant (the first of a new session) leaves the
    // row's three lastMessageAt indexes alone: 6 % less CPU per answer in bench/store-writes.ts.
    const bumpSession = database.prepare<{ at: number; id: string }>(
      'UPDATE sessions SET last_message_at = @at WHERE id = @id AND last_message_at < @at',
    );
    return {
      insertAndBump: atomic(database, (row: MessageRow) => {
        insert.run(row);
        bumpSession.run({ at: row.created_at, id: row.session_id });
      }),
      finish: database.prepare(
        `UPDATE messages SET content = @content, status = @status, input_tokens = @inputTokens,
           output_tokens = @outputTokens, model = @model, duration_ms = @durationMs
         WHERE id = @id`,
      ),
      inWorkspace: database.prepare<[string, string]>(
        `SELECT ${messageColumns} FROM messages WHERE workspace_id = ? AND id = ?`,
      ),
      // Newest first through the session index, turned chronological in JavaScript: the
      // prompt wants the last N, which is a LIMIT only in descending order.
      recent: database.prepare<[string, number]>(
        `SELECT ${messageColumns} FROM messages INDEXED BY messages_by_session
         WHERE session_id = ? AND status <> 'streaming'
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      ),
      sweep: database.prepare("UPDATE messages SET status = 'incomplete' WHERE status = 'streaming'"),
    };
  });

  return {
    insertMessage(input) {
      assertStorableText(input.content, 'content');
      const row = toRow(input);
      statements().insertAndBump(row);
      return toMessage(row);
    },
    finishMessage(id, final) {
      assertStorableText(final.content, 'content');
      statements().finish.run({ id, ...final });
    },
    getMessage(workspaceId, id) {
      const row = statements().inWorkspace.get(workspaceId, id) as MessageRow | undefined;
      return row && toMessage(row);
    },
    recentSessionMessages(sessionId, limit) {
      const rows = statements().recent.all(sessionId, limit) as MessageRow[];
      return rows.reverse().map(toMessage);
    },
    sweepStreaming() {
      return statements().sweep.run().changes;
    },
  };
}
