import { isUuid } from '../../ids.ts';
import type { HistoryItem, HistoryQuery, Page } from '../store.ts';
import type { Database, Statement } from './connection.ts';
import { toHistoryItem, toNumber, type HistoryRow } from './rows.ts';

/**
 * The history read: one page of messages plus the total, in one statement (one snapshot, one
 * round trip).
 *
 * Why the statement is built per shape of filters rather than with `($n IS NULL OR …)`: each
 * shape gets its own named prepared statement, and so its own plan using the index of its
 * most selective filter; one catch-all statement would get one generic plan for all of them.
 *
 * What a page costs, and why:
 * - The total of a session, or of a member's sessions, is read from `sessions.message_count`
 *   (kept by insertMessage) rather than counted: counting walks every matching index entry
 *   on every page. It relies on what the chat service guarantees and the SQLite store also
 *   assumes: a message carries its session's workspace, owner and agent. Admin shapes (by
 *   agent, whole workspace) still count.
 * - OFFSET walks the skipped entries, so the page is read from whichever end of the range is
 *   nearer (a deep `desc` page is a shallow `asc` one, reversed): at most half the range.
 * - Deferred join: the `page` CTE walks only the (created_at, id) index, which covers every
 *   filter column (see migrations.ts), so skipped rows cost an index entry each, never a heap
 *   fetch nor a join with agents and feedback; only the page's rows are then read in full.
 */
export async function readHistory(database: Database, query: HistoryQuery): Promise<Page<HistoryItem>> {
  const ids = [query.workspaceId, query.viewerId, query.userId, query.sessionId, query.agentId];
  // uuid columns reject malformed ids with an error; such an id simply matches nothing.
  if (ids.some((id) => id !== undefined && !isUuid(id))) return { data: [], total: 0 };
  const result = await database.query<HistoryRow & { total: string }>(historyStatement(query));
  const total = toNumber(result.rows[0]?.total);
  // The LEFT JOIN keeps the total on a row of NULLs when the page is empty.
  const data = result.rows.filter((row) => row.id !== null).map(toHistoryItem);
  return { data, total };
}

export function historyStatement(query: HistoryQuery): Statement {
  const values: unknown[] = [query.workspaceId];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const messageConditions = ['m.workspace_id = $1'];
  const sessionConditions = ['s.workspace_id = $1'];
  const shape: string[] = [];
  for (const [column, value] of [['session_id', query.sessionId], ['agent_id', query.agentId], ['user_id', query.userId]] as const) {
    if (value === undefined) continue;
    const placeholder = parameter(value);
    messageConditions.push(`m.${column} = ${placeholder}`);
    sessionConditions.push(`s.${column === 'session_id' ? 'id' : column} = ${placeholder}`);
    shape.push(column.replace('_id', ''));
  }
  const where = messageConditions.join(' AND ');
  // Counted from the sessions when every filter is a property of the session (see above).
  const fromSessions = query.sessionId !== undefined || (query.userId !== undefined && query.agentId === undefined);
  const totalSql = fromSessions
    ? `SELECT COALESCE(sum(s.message_count), 0) AS total FROM sessions s WHERE ${sessionConditions.join(' AND ')}`
    : `SELECT count(*) AS total FROM messages m WHERE ${where}`;
  const [viewer, limit, offset] = [parameter(query.viewerId), parameter(query.limit), parameter(query.offset)];
  const forward = query.order === 'asc' ? 'ASC' : 'DESC';
  const backward = query.order === 'asc' ? 'DESC' : 'ASC';
  const total = '(SELECT total FROM total)';
  // Both branches are planned; the false condition is a one-time filter, so only one runs.
  const nearStart = `${offset}::bigint <= ${total} - ${offset} - ${limit}`;
  return {
    name: `history_${shape.join('_') || 'workspace'}_${query.order}`,
    text: `
      WITH total AS (${totalSql}),
      page AS (
        (SELECT m.id, m.created_at FROM messages m
         WHERE ${where} AND ${nearStart}
         ORDER BY m.created_at ${forward}, m.id ${forward}
         LIMIT ${limit} OFFSET ${offset})
        UNION ALL
        (SELECT m.id, m.created_at FROM messages m
         WHERE ${where} AND NOT (${nearStart})
         ORDER BY m.created_at ${backward}, m.id ${backward}
         LIMIT GREATEST(LEAST(${limit}, ${total} - ${offset}), 0) OFFSET GREATEST(${total} - ${offset} - ${limit}, 0))
      )
      SELECT total.total, item.*
      FROM total
      LEFT JOIN LATERAL (
        SELECT m.*, f.rating AS feedback_rating, f.comment AS feedback_comment,
               (SELECT a.name FROM agents a WHERE a.id = m.agent_id) AS agent_name
        FROM page
        -- OFFSET 0 keeps these lookups per row of the page, by primary key: the planner
        -- cannot estimate the page's computed LIMIT and would otherwise hash-join the
        -- whole messages table to fifty rows.
        CROSS JOIN LATERAL (SELECT * FROM messages WHERE id = page.id OFFSET 0) AS m
        LEFT JOIN LATERAL (
          SELECT rating, comment FROM feedback WHERE message_id = m.id AND user_id = ${viewer} OFFSET 0
        ) AS f ON true
      ) AS item ON true
      -- Re-orders the few rows of the page only; the page itself came off the index in order.
      ORDER BY item.created_at ${forward}, item.id ${forward}`,
    values,
  };
}
