/**
 * Sessions: one user talking to one agent. Listed newest activity first, by
 * (last_message_at, id) descending.
 *
 * One statement per filter shape, each pinned with INDEXED BY to an index ending in
 * (last_message_at, id), rather than one statement with "(? IS NULL OR column = ?)" conditions
 * that the planner cannot turn into a range. With a cursor (keyset paging) the same index range
 * is bounded by `(last_message_at, id) < (cursor's)`, so a deep page costs what the first one
 * does; one row more than `limit` is read to tell `hasMore`. The user-and-agent shape walks the
 * user's index and checks the agent per row: a member's sessions are few, and a fifth index on
 * sessions would be one more entry to move on every message (each one changes last_message_at).
 * `EXPLAIN QUERY PLAN` of each statement is checked by test/store/sqlite.test.ts.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { SessionQuery } from '../store.ts';
import { assertStorableText, lazy, type SynchronousStore } from './repository.ts';
import { toSession, type SessionRow } from './rows.ts';

type SessionMethods = Pick<SynchronousStore, 'createSession' | 'getSession' | 'listSessions' | 'latestSession'>;

export type SessionShape = 'workspace' | 'user' | 'agent' | 'userAndAgent';
export const sessionShapes: readonly SessionShape[] = ['workspace', 'user', 'agent', 'userAndAgent'];

const shapes: Record<SessionShape, { index: string; where: string }> = {
  workspace: { index: 'sessions_by_workspace', where: 'workspace_id = @workspaceId' },
  user: { index: 'sessions_by_user', where: 'workspace_id = @workspaceId AND user_id = @userId' },
  agent: { index: 'sessions_by_agent', where: 'workspace_id = @workspaceId AND agent_id = @agentId' },
  userAndAgent: { index: 'sessions_by_user', where: 'workspace_id = @workspaceId AND user_id = @userId AND agent_id = @agentId' },
};

const newestFirst = 'ORDER BY last_message_at DESC, id DESC';

/** The page statement of a shape; `keyset`: the page follows (`@cursorAt`, `@cursorId`). */
export function sessionPageSql(shape: SessionShape, keyset = false): string {
  const { index, where } = shapes[shape];
  const after = keyset ? ' AND (last_message_at, id) < (@cursorAt, @cursorId)' : '';
  return `SELECT * FROM sessions INDEXED BY ${index} WHERE ${where}${after} ${newestFirst} LIMIT @limit OFFSET @offset`;
}

/** One row per user and agent of the shape (session_counts), not one per session. */
export function sessionCountSql(shape: SessionShape): string {
  return `SELECT COALESCE(SUM(sessions), 0) FROM session_counts WHERE ${shapes[shape].where}`;
}

function shapeOf(query: SessionQuery): SessionShape {
  if (query.userId !== undefined) return query.agentId !== undefined ? 'userAndAgent' : 'user';
  return query.agentId !== undefined ? 'agent' : 'workspace';
}

export function createSessionRepository(database: Database): SessionMethods {
  const statements = lazy(() => {
    const page = {} as Record<SessionShape, Statement>;
    const after = {} as Record<SessionShape, Statement>;
    const count = {} as Record<SessionShape, Statement>;
    for (const shape of sessionShapes) {
      page[shape] = database.prepare(sessionPageSql(shape));
      after[shape] = database.prepare(sessionPageSql(shape, true));
      count[shape] = database.prepare(sessionCountSql(shape)).pluck();
    }
    return {
      // No RETURNING: the new row is exactly its input (SQLite buffers a RETURNING statement's
      // rows before handing them back, which cost as much as a fifth of the insert).
      insert: database.prepare(
        `INSERT INTO sessions (id, workspace_id, user_id, agent_id, title, created_at, last_message_at)
         VALUES (@id, @workspaceId, @userId, @agentId, @title, @now, @now)`,
      ),
      inWorkspace: database.prepare<[string, string]>('SELECT * FROM sessions WHERE workspace_id = ? AND id = ?'),
      latest: database.prepare<[string, string]>(
        `SELECT * FROM sessions WHERE workspace_id = ? AND user_id = ? ${newestFirst} LIMIT 1`,
      ),
      page,
      after,
      count,
    };
  });

  return {
    createSession(input) {
      assertStorableText(input.title, 'title');
      const now = input.now.getTime();
      statements().insert.run({ id: input.id, workspaceId: input.workspaceId, userId: input.userId, agentId: input.agentId, title: input.title, now });
      return { id: input.id, workspaceId: input.workspaceId, userId: input.userId, agentId: input.agentId, title: input.title, createdAt: new Date(now), lastMessageAt: new Date(now) };
    },
    getSession(workspaceId, id) {
      const row = statements().inWorkspace.get(workspaceId, id) as SessionRow | undefined;
      return row && toSession(row);
    },
    listSessions(query) {
      const shape = shapeOf(query);
      const filter = {
        workspaceId: query.workspaceId,
        ...(query.userId !== undefined && { userId: query.userId }),
        ...(query.agentId !== undefined && { agentId: query.agentId }),
      };
      const total = statements().count[shape].get(filter) as number;
      if (query.cursor !== undefined) {
        // One row more than the page: whether another session follows it.
        const rows = statements().after[shape].all({
          ...filter,
          cursorAt: query.cursor.lastMessageAt.getTime(),
          cursorId: query.cursor.id,
          limit: query.limit + 1,
          offset: query.offset,
        }) as SessionRow[];
        const hasMore = rows.length > query.limit;
        return { data: (hasMore ? rows.slice(0, query.limit) : rows).map(toSession), total, hasMore };
      }
      const rows = statements().page[shape].all({ ...filter, limit: query.limit, offset: query.offset }) as SessionRow[];
      return { data: rows.map(toSession), total, hasMore: query.offset + rows.length < total };
    },
    latestSession(workspaceId, userId) {
      const row = statements().latest.get(workspaceId, userId) as SessionRow | undefined;
      return row && toSession(row);
    },
  };
}
