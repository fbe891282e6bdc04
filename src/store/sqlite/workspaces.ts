/** Workspaces: the tenants. Every other row belongs to exactly one. */
import type { Database } from 'better-sqlite3';
import { lazy, type SynchronousStore } from './repository.ts';
import { toWorkspace, type WorkspaceRow } from './rows.ts';

type WorkspaceMethods = Pick<
  SynchronousStore,
  'createWorkspace' | 'getWorkspace' | 'getWorkspaceByName' | 'listWorkspaceIds' | 'setDefaultAgent'
>;

export function createWorkspaceRepository(database: Database): WorkspaceMethods {
  const statements = lazy(() => ({
    insert: database.prepare<[string, string, number]>(
      'INSERT INTO workspaces (id, name, default_agent_id, created_at) VALUES (?, ?, NULL, ?) RETURNING *',
    ),
    byId: database.prepare<[string]>('SELECT * FROM workspaces WHERE id = ?'),
    byName: database.prepare<[string]>('SELECT * FROM workspaces WHERE name = ?'),
    ids: database.prepare<[]>('SELECT id FROM workspaces ORDER BY created_at, id'),
    setDefaultAgent: database.prepare<[string | null, string]>('UPDATE workspaces SET default_agent_id = ? WHERE id = ?'),
  }));

  return {
    createWorkspace(input) {
      return toWorkspace(statements().insert.get(input.id, input.name, input.now.getTime()) as WorkspaceRow);
    },
    getWorkspace(id) {
      const row = statements().byId.get(id) as WorkspaceRow | undefined;
      return row && toWorkspace(row);
    },
    getWorkspaceByName(name) {
      const row = statements().byName.get(name) as WorkspaceRow | undefined;
      return row && toWorkspace(row);
    },
    listWorkspaceIds() {
      return (statements().ids.all() as { id: string }[]).map((row) => row.id);
    },
    setDefaultAgent(workspaceId, agentId) {
      statements().setDefaultAgent.run(agentId, workspaceId);
    },
  };
}
