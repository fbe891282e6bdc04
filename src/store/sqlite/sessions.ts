/** Sessions: one user talking to one agent. Listed newest activity first. */
import type { Database } from 'better-sqlite3';
import { assertStorableText, lazy, type SynchronousStore } from './repository.ts';
import { toSession, type SessionRow } from './rows.ts';

type SessionMethods = Pick<SynchronousStore, 'createSession' | 'getSession' | 'listSessions' | 'latestSession'>;

const newestFirst = 'ORDER BY last_message_at DESC, id DESC';

export function createSessionRepository(database: Database): SessionMethods {
  // One statement per filter shape, each backed by its own index, rather than one statement
  // with "(? IS NULL OR column = ?)" conditions that the planner cannot turn into a range.
  const statements = lazy(() => ({
    insert: database.prepare(
      `INSERT INTO sessions (id, workspace_id, user_id, agent_id, title, created_at, last_message_at)
       VALUES (@id, @workspaceId, @userId, @agentId, @title, @now, @now) RETURNING *`,
    ),
    inWorkspace: database.prepare<[string, string]>('SELECT * FROM sessions WHERE workspace_id = ? AND id = ?'),
    latest: database.prepare<[string, string]>(
      `SELECT * FROM sessions WHERE workspace_id = ? AND user_id = ? ${newestFirst} LIMIT 1`,
    ),
    page: {
      workspace: database.prepare(
        `SELECT * FROM sessions WHERE workspace_id = @workspaceId ${newestFirst} LIMIT @limit OFFSET @offset`,
      ),
      user: database.prepare(
        `SELECT * FROM sessions WHERE workspace_id = @workspaceId AND user_id = @userId
         ${newestFirst} LIMIT @limit OFFSET @offset`,
      ),
      agent: database.prepare(
        `SELECT * FROM sessions WHERE workspace_id = @workspaceId AND agent_id = @agentId
         ${newestFirst} LIMIT @limit OFFSET @offset`,
      ),
      userAndAgent: database.prepare(
        `SELECT * FROM sessions INDEXED BY sessions_by_user
         WHERE workspace_id = @workspaceId AND user_id = @userId AND agent_id = @agentId
         ${newestFirst} LIMIT @limit OFFSET @offset`,
      ),
    },
    count: {
      workspace: database.prepare('SELECT COUNT(*) FROM sessions WHERE workspace_id = @workspaceId').pluck(),
      user: database
        .prepare('SELECT COUNT(*) FROM sessions WHERE workspace_id = @workspaceId AND user_id = @userId')
        .pluck(),
      agent: database
        .prepare('SELECT COUNT(*) FROM sessions WHERE workspace_id = @workspaceId AND agent_id = @agentId')
        .pluck(),
      userAndAgent: database
        .prepare(
          `SELECT COUNT(*) FROM sessions INDEXED BY sessions_by_user
           WHERE workspace_id = @workspaceId AND user_id = @userId AND agent_id = @agentId`,
        )
        .pluck(),
    },
  }));

  return {
    createSession(input) {
      assertStorableText(input.title, 'title');
      const row = statements().insert.get({
        id: input.id,
        workspaceId: input.workspaceId,
        userId: input.userId,
        agentId: input.agentId,
        title: input.title,
        now: input.now.getTime(),
      }) as SessionRow;
      return toSession(row);
    },
    getSession(workspaceId, id) {
      const row = statements().inWorkspace.get(workspaceId, id) as SessionRow | undefined;
      return row && toSession(row);
    },
    listSessions(query) {
      const shape =
        query.userId !== undefined
          ? query.agentId !== undefined
            ? 'userAndAgent'
            : 'user'
          : query.agentId !== undefined
            ? 'agent'
            : 'workspace';
      const parameters = {
        workspaceId: query.workspaceId,
        ...(query.userId !== undefined && { userId: query.userId }),
        ...(query.agentId !== undefined && { agentId: query.agentId }),
      };
      const rows = statements().page[shape].all({ ...parameters, limit: query.limit, offset: query.offset }) as SessionRow[];
      return { data: rows.map(toSession), total: statements().count[shape].get(parameters) as number };
    },
    latestSession(workspaceId, userId) {
      const row = statements().latest.get(workspaceId, userId) as SessionRow | undefined;
      return row && toSession(row);
    },
  };
}
