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
 * `EXPLAIN QUERY PLAN` of each statement is checked by test/store/sqlite.test.ts.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { HistoryQuery } from '../store.ts';
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

export function historyPageSql(shape: HistoryShape, order: 'asc' | 'desc'): string {
  const { index, where } = shapes[shape];
  const direction = order === 'asc' ? 'ASC' : 'DESC';
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
  return `SELECT COALESCE(SUM(message_count), 0) FROM sessions INDEXED BY sessions_message_counts WHERE ${shapes[shape].where}`;
}

export const sessionOwnerSql = 'SELECT workspace_id, user_id, agent_id, message_count FROM sessions WHERE id = ?';

interface SessionOwner {
  workspace_id: string;
  user_id: string;
  agent_id: string;
  message_count: number;
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
    const count = {} as Record<HistoryShape, Statement>;
    for (const shape of historyShapes) {
      page[shape] = {
        asc: database.prepare(historyPageSql(shape, 'asc')),
        desc: database.prepare(historyPageSql(shape, 'desc')),
      };
      if (shape !== 'session') count[shape] = database.prepare(historyCountSql(shape)).pluck();
    }
    const sessionOwner = database.prepare<[string]>(sessionOwnerSql);
    return { page, count, sessionOwner };
  });

  return {
    history(query) {
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
        if (!visible) return { data: [], total: 0 };
        filter.sessionId = query.sessionId as string;
        total = owner.message_count;
      } else {
        filter.workspaceId = query.workspaceId;
        if (query.userId !== undefined) filter.userId = query.userId;
        if (query.agentId !== undefined) filter.agentId = query.agentId;
        total = statements().count[shape].get(filter) as number;
      }
      // Past the end there is nothing to read; skip the page query (a deep OFFSET still walks).
      if (query.offset >= total || query.limit <= 0) return { data: [], total };
      const rows = statements().page[shape][query.order].all({
        ...filter,
        viewerId: query.viewerId,
        limit: query.limit,
        offset: query.offset,
      }) as HistoryRow[];
      return { data: rows.map(toHistoryItem), total };
    },
  };
}
