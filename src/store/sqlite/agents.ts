/** Agents. Names are unique per workspace, ignoring ASCII case (see migrations.ts). */
import type { Database } from 'better-sqlite3';
import type { AgentStatus } from '../store.ts';
import { lazy, type SynchronousStore } from './repository.ts';
import { toAgent, type AgentRow } from './rows.ts';

type AgentMethods = Pick<
  SynchronousStore,
  | 'createAgent'
  | 'getAgent'
  | 'getAgentById'
  | 'getAgentByName'
  | 'listAgents'
  | 'listActiveAgents'
  | 'listFleetAgents'
  | 'updateAgent'
  | 'touchAgent'
>;

export function createAgentRepository(database: Database): AgentMethods {
  const statements = lazy(() => ({
    insert: database.prepare(
      `INSERT INTO agents (id, workspace_id, name, role, description, soul, status, config, source, created_at, updated_at, last_active_at)
       VALUES (@id, @workspaceId, @name, @role, @description, @soul, @status, @config, @source, @now, @now, NULL)
       RETURNING *`,
    ),
    inWorkspace: database.prepare<[string, string]>('SELECT * FROM agents WHERE workspace_id = ? AND id = ?'),
    byId: database.prepare<[string]>('SELECT * FROM agents WHERE id = ?'),
    // The column's NOCASE collation applies to this comparison too.
    byName: database.prepare<[string, string]>('SELECT * FROM agents WHERE workspace_id = ? AND name = ?'),
    page: database.prepare<[string, number, number]>(
      'SELECT * FROM agents WHERE workspace_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?',
    ),
    count: database.prepare<[string]>('SELECT COUNT(*) FROM agents WHERE workspace_id = ?').pluck(),
    pageByStatus: database.prepare<[string, AgentStatus, number, number]>(
      'SELECT * FROM agents WHERE workspace_id = ? AND status = ? ORDER BY created_at, id LIMIT ? OFFSET ?',
    ),
    countByStatus: database
      .prepare<[string, AgentStatus]>('SELECT COUNT(*) FROM agents WHERE workspace_id = ? AND status = ?')
      .pluck(),
    active: database.prepare<[string]>(
      "SELECT * FROM agents WHERE workspace_id = ? AND status <> 'archived' ORDER BY created_at, id",
    ),
    fleet: database.prepare("SELECT * FROM agents WHERE source = 'file' AND status <> 'archived' ORDER BY workspace_id, created_at, id"),
    // One statement for every patch: an absent field is bound as NULL and keeps its value
    // (none of the patchable columns can be NULL, so NULL is free to mean "unchanged").
    update: database.prepare(
      `UPDATE agents SET
         name = COALESCE(@name, name),
         role = COALESCE(@role, role),
         description = COALESCE(@description, description),
         soul = COALESCE(@soul, soul),
         status = COALESCE(@status, status),
         config = COALESCE(@config, config),
         updated_at = @now
       WHERE workspace_id = @workspaceId AND id = @id
       RETURNING *`,
    ),
    touch: database.prepare<[number, string]>('UPDATE agents SET last_active_at = ? WHERE id = ?'),
  }));

  return {
    createAgent(input) {
      const row = statements().insert.get({
        id: input.id,
        workspaceId: input.workspaceId,
        name: input.name,
        role: input.role,
        description: input.description,
        soul: input.soul,
        status: input.status,
        config: JSON.stringify(input.config),
        source: input.source,
        now: input.now.getTime(),
      }) as AgentRow;
      return toAgent(row);
    },
    getAgent(workspaceId, id) {
      const row = statements().inWorkspace.get(workspaceId, id) as AgentRow | undefined;
      return row && toAgent(row);
    },
    getAgentById(id) {
      const row = statements().byId.get(id) as AgentRow | undefined;
      return row && toAgent(row);
    },
    getAgentByName(workspaceId, name) {
      const row = statements().byName.get(workspaceId, name) as AgentRow | undefined;
      return row && toAgent(row);
    },
    listAgents(workspaceId, options) {
      const { status, limit, offset } = options;
      if (status === undefined) {
        const rows = statements().page.all(workspaceId, limit, offset) as AgentRow[];
        return { data: rows.map(toAgent), total: statements().count.get(workspaceId) as number };
      }
      const rows = statements().pageByStatus.all(workspaceId, status, limit, offset) as AgentRow[];
      return { data: rows.map(toAgent), total: statements().countByStatus.get(workspaceId, status) as number };
    },
    listActiveAgents(workspaceId) {
      return (statements().active.all(workspaceId) as AgentRow[]).map(toAgent);
    },
    listFleetAgents() {
      return (statements().fleet.all() as AgentRow[]).map(toAgent);
    },
    updateAgent(workspaceId, id, patch, now) {
      const row = statements().update.get({
        workspaceId,
        id,
        name: patch.name ?? null,
        role: patch.role ?? null,
        description: patch.description ?? null,
        soul: patch.soul ?? null,
        status: patch.status ?? null,
        config: patch.config === undefined ? null : JSON.stringify(patch.config),
        now: now.getTime(),
      }) as AgentRow | undefined;
      return row && toAgent(row);
    },
    touchAgent(agentId, at) {
      statements().touch.run(at.getTime(), agentId);
    },
  };
}
