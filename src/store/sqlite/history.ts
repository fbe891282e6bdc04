/**
 * The history query: the hot read. Every filter shape has its own pair of statements (page and
 * count) pinned with INDEXED BY to an index ending in (created_at, id), so that:
 * - a page is a walk of one index range in either direction, with no sort (no temp B-tree);
 * - OFFSET skips index entries only: the agent name and the viewer's feedback come from scalar
 *   subqueries in the result columns, which SQLite evaluates for returned rows alone, and the
 *   table row itself is read lazily (deferred seek) once a row is past the offset;
 * - `total` is the sum of the message counts of the sessions the filter selects (see
 *   migrations.ts), read from a covering index: the same filter, one row per session instead of
 *   one per message.
 * - with a cursor (keyset paging), the page starts right after the cursor message: the
 *   statement adds `(created_at, id) > / < (cursor's)` to the same index range, so a deep page
 *   costs what the first one does. The cursor row is read by primary key first; it must pass
 *   the same workspace, scope and filters as the page, else the page is empty (total 0). One
 *   row more than `limit` is read to tell `hasMore`, since the position of the page is not known.
 * `EXPLAIN QUERY PLAN` of each statement is checked by test/store/sqlite.test.ts.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { HistoryPage, HistoryQuery } from '../store.ts';
import { lazy, type SynchronousStore } from './repository.ts';
import { messageColumns, toHistoryItem, type HistoryRow } from './rows.ts';

export type HistoryShape = 'session' | 'workspace' | 'agent' | 'user' | 'userAndAgent';
export const historyShapes: readonly HistoryShape[] = ['session', 'workspace', 'agent', 'user', 'userAndAgent'];

const shapes: Record<HistoryShape, { index: string; where: string }> = {
  // The session fixes workspace, user and agent; they are checked on the session row first.
  session: { index: 'messages_by_session', where: 'session_id = @sessionId' },
  workspace: { index: 'messages_by_workspace', where: 'workspace_id = @workspaceId' },
  agent: { index: 'messages_by_agent', where: 'workspace_id = @workspaceId AND agent_id = @agentId' },
  user: { index: 'messages_by_user', where: 'workspace_id = @workspaceId AND user_id = @userId' },
  userAndAgent: {
    index: 'messages_by_user_agent',
    where: 'workspace_id = @workspaceId AND user_id = @userId AND agent_id = @agentId',
  },
};

/**
 * The page statement of a shape and order; `keyset`: the page follows the cursor position
 * (`@cursorAt`, `@cursorId`) in that order instead of starting at the range's end.
 */
export function historyPageSql(shape: HistoryShape, order: 'asc' | 'desc', keyset = false): string {
  const { index } = shapes[shape];
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  const where = keyset ? `${shapes[shape].where} AND (created_at, id) ${order === 'asc' ? '>' : '<'} (@cursorAt, @cursorId)` : shapes[shape].where;
  return `SELECT ${messageColumns},
      (SELECT a.name FROM agents AS a WHERE a.id = m.agent_id) AS agent_name,
      (SELECT f.rating FROM feedback AS f WHERE f.message_id = m.id AND f.user_id = @viewerId) AS feedback_rating,
      (SELECT f.comment FROM feedback AS f WHERE f.message_id = m.id AND f.user_id = @viewerId) AS feedback_comment
    FROM messages AS m INDEXED BY ${index}
    WHERE ${where}
    ORDER BY created_at ${direction}, id ${direction}
    LIMIT @limit OFFSET @offset`;
}

/** The total of a shape other than `session` (whose count comes with its owner row). */
export function historyCountSql(shape: Exclude<HistoryShape, 'session'>): string {
  return `SELECT COALESCE(SUM(messages), 0) FROM session_counts WHERE ${shapes[shape].where}`;
}

export const sessionOwnerSql = 'SELECT workspace_id, user_id, agent_id, message_count FROM sessions WHERE id = ?';

/** Where the cursor message is, and whose it is (to check it against the query). */
export const cursorSql = 'SELECT session_id, workspace_id, user_id, agent_id, created_at FROM messages WHERE id = ?';

interface SessionOwner {
  workspace_id: string;
  user_id: string;
  agent_id: string;
  message_count: number;
}

interface CursorRow {
  session_id: string;
  workspace_id: string;
  user_id: string;
  agent_id: string;
  created_at: number;
}

/** Whether the cursor message is one the query selects: scope and every filter. */
function selects(query: HistoryQuery, row: CursorRow | undefined): row is CursorRow {
  return (
    row !== undefined &&
    row.workspace_id === query.workspaceId &&
    (query.userId === undefined || row.user_id === query.userId) &&
    (query.sessionId === undefined || row.session_id === query.sessionId) &&
    (query.agentId === undefined || row.agent_id === query.agentId)
  );
}

type HistoryMethods = Pick<SynchronousStore, 'history'>;

function shapeOf(query: HistoryQuery): HistoryShape {
  if (query.sessionId !== undefined) return 'session';
  if (query.userId !== undefined) return query.agentId !== undefined ? 'userAndAgent' : 'user';
  return query.agentId !== undefined ? 'agent' : 'workspace';
}

export function createHistoryRepository(database: Database): HistoryMethods {
  const statements = lazy(() => {
    const page = {} as Record<HistoryShape, Record<'asc' | 'desc', Statement>>;
    const after = {} as Record<HistoryShape, Record<'asc' | 'desc', Statement>>;
    const count = {} as Record<HistoryShape, Statement>;
    for (const shape of historyShapes) {
      page[shape] = {
        asc: database.prepare(historyPageSql(shape, 'asc')),
        desc: database.prepare(historyPageSql(shape, 'desc')),
      };
      after[shape] = {
        asc: database.prepare(historyPageSql(shape, 'asc', true)),
        desc: database.prepare(historyPageSql(shape, 'desc', true)),
      };
      if (shape !== 'session') count[shape] = database.prepare(historyCountSql(shape)).pluck();
    }
    const sessionOwner = database.prepare<[string]>(sessionOwnerSql);
    const cursor = database.prepare<[string]>(cursorSql);
    return { page, after, count, sessionOwner, cursor };
  });

  return {
    history(query): HistoryPage {
      let cursor: CursorRow | undefined;
      if (query.cursor !== undefined) {
        cursor = statements().cursor.get(query.cursor) as CursorRow | undefined;
        // Unknown, foreign, or outside the filters: the same empty page as an unknown session.
        if (!selects(query, cursor)) return { data: [], total: 0, hasMore: false };
      }
      const shape = shapeOf(query);
      const filter: Record<string, string> = {};
      let total: number;
      if (shape === 'session') {
        // An unknown or foreign session, or one that another filter rules out, is an empty
        // page: the same answer as "no messages", so nothing leaks across tenants.
        const owner = statements().sessionOwner.get(query.sessionId as string) as SessionOwner | undefined;
        const visible =
          owner !== undefined &&
          owner.workspace_id === query.workspaceId &&
          (query.userId === undefined || owner.user_id === query.userId) &&
          (query.agentId === undefined || owner.agent_id === query.agentId);
        if (!visible) return { data: [], total: 0, hasMore: false };
        filter.sessionId = query.sessionId as string;
        total = owner.message_count;
      } else {
        filter.workspaceId = query.workspaceId;
        if (query.userId !== undefined) filter.userId = query.userId;
        if (query.agentId !== undefined) filter.agentId = query.agentId;
        total = statements().count[shape].get(filter) as number;
      }
      // Past the end there is nothing to read; skip the page query (a deep OFFSET still walks).
      if (query.offset >= total || query.limit <= 0) return { data: [], total, hasMore: false };
      if (cursor !== undefined) {
        // One row more than the page: whether another message follows it.
        const rows = statements().after[shape][query.order].all({
          ...filter,
          viewerId: query.viewerId,
          cursorAt: cursor.created_at,
          cursorId: query.cursor,
          limit: query.limit + 1,
          offset: query.offset,
        }) as HistoryRow[];
        const hasMore = rows.length > query.limit;
        return { data: (hasMore ? rows.slice(0, query.limit) : rows).map(toHistoryItem), total, hasMore };
      }
      const rows = statements().page[shape][query.order].all({
        ...filter,
        viewerId: query.viewerId,
        limit: query.limit,
        offset: query.offset,
      }) as HistoryRow[];
      return { data: rows.map(toHistoryItem), total, hasMore: query.offset + rows.length < total };
    },
  };
}
