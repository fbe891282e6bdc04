import { isUuid } from '../../ids.ts';
import type { HistoryPage, HistoryQuery } from '../store.ts';
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
 * - The total is read, not counted: a session's from `sessions.message_count` (kept by
 *   insertMessage and the answer writes), any other filter's from `session_counts` (one row per
 *   workspace, user and agent, kept by triggers). Counting walks every matching index entry on
 *   every page, which for an admin's agent or whole-workspace view is every message (1 M rows:
 *   ~100 ms, all of a keyset page's time; see PERFORMANCE.md), and summing the sessions'
 *   counters one row per session. It relies on what the chat service guarantees and the SQLite
 *   store also assumes: a message carries its session's workspace, owner and agent.
 * - OFFSET walks the skipped entries, so the page is read from whichever end of the range is
 *   nearer (a deep `desc` page is a shallow `asc` one, reversed): at most half the range.
 * - Deferred join: the `page` CTE walks only the (created_at, id) index, which covers every
 *   filter column (see migrations.ts), so skipped rows cost an index entry each, never a heap
 *   fetch nor a join with agents and feedback; only the page's rows are then read in full.
 * - With a cursor (keyset paging) the page is the index range past the cursor's
 *   (created_at, id): no offset to walk, whatever the depth (see keysetPage below).
 */
export async function readHistory(database: Database, query: HistoryQuery): Promise<HistoryPage> {
  const ids = [query.workspaceId, query.viewerId, query.userId, query.sessionId, query.agentId, query.cursor];
  // uuid columns reject malformed ids with an error; such an id simply matches nothing.
  if (ids.some((id) => id !== undefined && !isUuid(id))) return { data: [], total: 0, hasMore: false };
  const result = await database.query<HistoryRow & { total: string }>(historyStatement(query));
  const total = toNumber(result.rows[0]?.total);
  // The LEFT JOIN keeps the total on a row of NULLs when the page is empty.
  const rows = result.rows.filter((row) => row.id !== null);
  if (query.cursor === undefined) return { data: rows.map(toHistoryItem), total, hasMore: query.offset + rows.length < total };
  // A keyset page reads one row more than `limit`: whether another message follows it.
  const hasMore = rows.length > query.limit;
  return { data: (hasMore ? rows.slice(0, query.limit) : rows).map(toHistoryItem), total, hasMore };
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
  // Every filter is a property of the session: the total is the session's counter, or without a
  // session the per-user-and-agent counts (one row each, not one per session).
  const totalSql =
    query.sessionId !== undefined
      ? `SELECT COALESCE(sum(s.message_count), 0) AS total FROM sessions s WHERE ${sessionConditions.join(' AND ')}`
      : `SELECT COALESCE(sum(s.messages), 0) AS total FROM session_counts s WHERE ${sessionConditions.join(' AND ')}`;
  const forward = query.order === 'asc' ? 'ASC' : 'DESC';
  const viewer = parameter(query.viewerId);
  const name = `history_${shape.join('_') || 'workspace'}_${query.order}`;
  if (query.cursor !== undefined) {
    const [cursor, limitAndOne, offset] = [parameter(query.cursor), parameter(query.limit + 1), parameter(query.offset)];
    return { name: `${name}_keyset`, text: keysetPage({ where, totalSql, cursor, limitAndOne, offset, order: query.order }) + itemsOfPage(viewer, forward), values };
  }
  const [limit, offset] = [parameter(query.limit), parameter(query.offset)];
  const backward = query.order === 'asc' ? 'DESC' : 'ASC';
  const total = '(SELECT total FROM total)';
  // Both branches are planned; the false condition is a one-time filter, so only one runs.
  const nearStart = `${offset}::bigint <= ${total} - ${offset} - ${limit}`;
  return {
    name,
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
      )${itemsOfPage(viewer, forward)}`,
    values,
  };
}

/**
 * The `total` and `page` CTEs of a keyset page. The cursor row is read by primary key under
 * the page's own conditions (workspace, scope, filters), so a cursor the query does not select
 * leaves `cursor` empty: the row comparison is then NULL (no page) and the total 0, the same
 * answer as an unknown session. The comparison's two sides are InitPlan values, so the page is
 * an index range scan of (…, created_at, id) starting at the cursor, in order, under a Limit.
 */
function keysetPage(parts: { where: string; totalSql: string; cursor: string; limitAndOne: string; offset: string; order: 'asc' | 'desc' }): string {
  const { where, totalSql, cursor, limitAndOne, offset, order } = parts;
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  return `
      WITH cursor AS (SELECT m.created_at, m.id FROM messages m WHERE m.id = ${cursor} AND ${where}),
      total AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM cursor) THEN (SELECT total FROM (${totalSql}) AS counted) ELSE 0 END AS total),
      page AS (
        SELECT m.id, m.created_at FROM messages m
        WHERE ${where}
          AND (m.created_at, m.id) ${order === 'asc' ? '>' : '<'} ((SELECT created_at FROM cursor), (SELECT id FROM cursor))
        ORDER BY m.created_at ${direction}, m.id ${direction}
        LIMIT ${limitAndOne} OFFSET ${offset}
      )`;
}

/** The page's rows read in full (after the `total` and `page` CTEs), with the total on each. */
function itemsOfPage(viewer: string, forward: string): string {
  return `
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
      ORDER BY item.created_at ${forward}, item.id ${forward}`;
}
