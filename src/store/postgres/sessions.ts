import { isUuid } from '../../ids.ts';
import type { Session, SessionPage, SessionPosition, SessionQuery, Store } from '../store.ts';
import type { Database, Statement } from './connection.ts';
import { totalOf } from './directory.ts';
import { assertStorableText } from './text-guard.ts';
import { insertMessageAndBump } from './answers.ts';
import { messageColumns, toMessage, toNumber, toSession, type MessageRow, type SessionRow } from './rows.ts';

/** Sessions and the writes of messages; the history read is in history.ts. */
export type SessionMethods = Pick<
  Store,
  | 'createSession'
  | 'getSession'
  | 'listSessions'
  | 'latestSession'
  | 'insertMessage'
  | 'finishMessage'
  | 'getMessage'
  | 'recentSessionMessages'
  | 'sweepStreaming'
>;

export function createSessionMethods(database: Database): SessionMethods {
  return {
    async createSession(input): Promise<Session> {
      const result = await database.query<SessionRow>({
        name: 'session_insert',
        text: `INSERT INTO sessions (id, workspace_id, user_id, agent_id, title, created_at, last_message_at)
               VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *`,
        values: [input.id, input.workspaceId, input.userId, input.agentId, input.title, input.now],
      });
      return toSession(result.rows[0]);
    },

    async getSession(workspaceId, id) {
      if (!isUuid(workspaceId) || !isUuid(id)) return undefined;
      const result = await database.query<SessionRow>({
        name: 'session_by_id',
        text: 'SELECT * FROM sessions WHERE workspace_id = $1 AND id = $2',
        values: [workspaceId, id],
      });
      return result.rows[0] ? toSession(result.rows[0]) : undefined;
    },

    async listSessions(query): Promise<SessionPage> {
      const ids = [query.workspaceId, query.userId, query.agentId, query.cursor?.id];
      if (ids.some((id) => id !== undefined && !isUuid(id))) return { data: [], total: 0, hasMore: false };
      if (query.cursor !== undefined) {
        const result = await database.query<SessionRow & { total: string }>(sessionsAfterStatement(query, query.cursor));
        // The LEFT JOIN keeps the total on a row of NULLs when the page is empty.
        const rows = result.rows.filter((row) => row.id !== null);
        // One row more than the page was read: whether another session follows it.
        const hasMore = rows.length > query.limit;
        return { data: (hasMore ? rows.slice(0, query.limit) : rows).map(toSession), total: toNumber(result.rows[0]?.total), hasMore };
      }
      const filter = 'workspace_id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND ($3::uuid IS NULL OR agent_id = $3)';
      const filterValues = [query.workspaceId, query.userId ?? null, query.agentId ?? null];
      // The total from the per-user-and-agent counts: one row each, not one per session.
      const totalSql = `SELECT COALESCE(sum(sessions), 0) AS total FROM session_counts WHERE ${filter}`;
      const result = await database.query<SessionRow & { total: string }>({
        text: `SELECT *, (${totalSql}) AS total FROM sessions WHERE ${filter}
               ORDER BY last_message_at DESC, id DESC LIMIT $4 OFFSET $5`,
        values: [...filterValues, query.limit, query.offset],
      });
      const total = await totalOf(result.rows, async () => {
        const counted = await database.query<{ total: string }>({ text: totalSql, values: filterValues });
        return toNumber(counted.rows[0]?.total);
      });
      return { data: result.rows.map(toSession), total, hasMore: query.offset + result.rows.length < total };
    },

    async latestSession(workspaceId, userId) {
      if (!isUuid(workspaceId) || !isUuid(userId)) return undefined;
      const result = await database.query<SessionRow>({
        name: 'session_latest',
        text: 'SELECT * FROM sessions WHERE workspace_id = $1 AND user_id = $2 ORDER BY last_message_at DESC, id DESC LIMIT 1',
        values: [workspaceId, userId],
      });
      return result.rows[0] ? toSession(result.rows[0]) : undefined;
    },

    insertMessage: (input) => insertMessageAndBump(database, input),

    async finishMessage(id, final) {
      assertStorableText(final.content, 'message content');
      if (!isUuid(id)) return;
      await database.query({
        name: 'message_finish',
        text: `UPDATE messages SET content = $2, status = $3, input_tokens = $4, output_tokens = $5, model = $6, duration_ms = $7
               WHERE id = $1`,
        values: [id, final.content, final.status, final.inputTokens, final.outputTokens, final.model, final.durationMs],
      });
    },

    async getMessage(workspaceId, id) {
      if (!isUuid(workspaceId) || !isUuid(id)) return undefined;
      const result = await database.query<MessageRow>({
        name: 'message_by_id',
        text: `SELECT ${messageColumns} FROM messages WHERE workspace_id = $1 AND id = $2`,
        values: [workspaceId, id],
      });
      return result.rows[0] ? toMessage(result.rows[0]) : undefined;
    },

    async recentSessionMessages(sessionId, limit) {
      if (!isUuid(sessionId)) return [];
      // Newest first to use the index backwards, then turned to chronological order for the prompt.
      const result = await database.query<MessageRow>({
        name: 'messages_recent_in_session',
        text: `SELECT ${messageColumns} FROM messages WHERE session_id = $1 AND status <> 'streaming'
               ORDER BY created_at DESC, id DESC LIMIT $2`,
        values: [sessionId, limit],
      });
      return result.rows.map(toMessage).reverse();
    },

    async sweepStreaming() {
      const result = await database.query({ text: "UPDATE messages SET status = 'incomplete' WHERE status = 'streaming'" });
      return result.rowCount;
    },
  };
}

/**
 * A keyset page of sessions and its total, in one statement (one snapshot). The conditions are
 * written per filter shape, each shape a named statement with its own plan: the page is then a
 * range of the shape's (…, last_message_at DESC, id DESC) index from the cursor's position on,
 * under a Limit, with no sort and no offset walk (checked by test/store/postgres.test.ts). The
 * total counts the sessions the filters select, whatever the cursor, as offset pages do.
 */
export function sessionsAfterStatement(query: SessionQuery, cursor: SessionPosition): Statement {
  const values: unknown[] = [query.workspaceId];
  const conditions = ['workspace_id = $1'];
  const shape: string[] = [];
  for (const [column, value] of [['user_id', query.userId], ['agent_id', query.agentId]] as const) {
    if (value === undefined) continue;
    values.push(value);
    conditions.push(`${column} = $${values.length}`);
    shape.push(column.replace('_id', ''));
  }
  const where = conditions.join(' AND ');
  values.push(cursor.lastMessageAt, cursor.id, query.limit + 1, query.offset);
  const [at, id, limitAndOne, offset] = [values.length - 3, values.length - 2, values.length - 1, values.length].map((index) => `$${index}`);
  return {
    name: `sessions_${shape.join('_') || 'workspace'}_keyset`,
    text: `
      WITH total AS (SELECT COALESCE(sum(sessions), 0) AS total FROM session_counts WHERE ${where}),
      page AS (
        SELECT * FROM sessions
        WHERE ${where} AND (last_message_at, id) < (${at}, ${id})
        ORDER BY last_message_at DESC, id DESC
        LIMIT ${limitAndOne} OFFSET ${offset}
      )
      SELECT total.total, page.* FROM total LEFT JOIN page ON true
      ORDER BY page.last_message_at DESC, page.id DESC`,
    values,
  };
}
