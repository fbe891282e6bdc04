import { isUuid } from '../../ids.ts';
import type { Agent, AgentPatch, Page, Store } from '../store.ts';
import type { Database } from './connection.ts';
import { totalOf } from './directory.ts';
import { toAgent, toNumber, type AgentRow } from './rows.ts';
import { toJsonParameter } from './text-guard.ts';

export type AgentMethods = Pick<
  Store,
  'createAgent' | 'getAgent' | 'getAgentById' | 'getAgentByName' | 'listAgents' | 'listActiveAgents' | 'listFleetAgents' | 'updateAgent' | 'touchAgent'
>;

/** Patch fields and their columns; config is jsonb and goes in as JSON text. */
const patchColumns: Record<keyof AgentPatch, string> = {
  name: 'name',
  role: 'role',
  description: 'description',
  soul: 'soul',
  status: 'status',
  config: 'config',
};

export function createAgentMethods(database: Database): AgentMethods {
  return {
    async createAgent(input): Promise<Agent> {
      const result = await database.query<AgentRow>({
        text: `INSERT INTO agents (id, workspace_id, name, role, description, soul, status, config, source, created_at, updated_at, last_active_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $10, NULL) RETURNING *`,
        values: [
          input.id,
          input.workspaceId,
          input.name,
          input.role,
          input.description,
          input.soul,
          input.status,
          toJsonParameter(input.config, 'agent config'),
          input.source,
          input.now,
        ],
      });
      return toAgent(result.rows[0]);
    },

    async getAgent(workspaceId, id) {
      if (!isUuid(workspaceId) || !isUuid(id)) return undefined;
      const result = await database.query<AgentRow>({
        name: 'agent_by_id_in_workspace',
        text: 'SELECT * FROM agents WHERE workspace_id = $1 AND id = $2',
        values: [workspaceId, id],
      });
      return result.rows[0] ? toAgent(result.rows[0]) : undefined;
    },

    async getAgentById(id) {
      if (!isUuid(id)) return undefined;
      const result = await database.query<AgentRow>({ text: 'SELECT * FROM agents WHERE id = $1', values: [id] });
      return result.rows[0] ? toAgent(result.rows[0]) : undefined;
    },

    async getAgentByName(workspaceId, name) {
      if (!isUuid(workspaceId)) return undefined;
      // lower(name) so that the unique index agents_workspace_name serves the lookup.
      const result = await database.query<AgentRow>({
        text: 'SELECT * FROM agents WHERE workspace_id = $1 AND lower(name) = lower($2)',
        values: [workspaceId, name],
      });
      return result.rows[0] ? toAgent(result.rows[0]) : undefined;
    },

    async listAgents(workspaceId, options): Promise<Page<Agent>> {
      if (!isUuid(workspaceId)) return { data: [], total: 0 };
      const status = options.status ?? null;
      const filter = 'workspace_id = $1 AND ($2::text IS NULL OR status = $2)';
      const result = await database.query<AgentRow & { total: string }>({
        text: `SELECT *, count(*) OVER () AS total FROM agents WHERE ${filter} ORDER BY created_at, id LIMIT $3 OFFSET $4`,
        values: [workspaceId, status, options.limit, options.offset],
      });
      const total = await totalOf(result.rows, async () => {
        const counted = await database.query<{ count: string }>({ text: `SELECT count(*) AS count FROM agents WHERE ${filter}`, values: [workspaceId, status] });
        return toNumber(counted.rows[0]?.count);
      });
      return { data: result.rows.map(toAgent), total };
    },

    async listActiveAgents(workspaceId) {
      if (!isUuid(workspaceId)) return [];
      // Routing reads this on every message without an agentId.
      const result = await database.query<AgentRow>({
        name: 'agents_active',
        text: "SELECT * FROM agents WHERE workspace_id = $1 AND status <> 'archived' ORDER BY created_at, id",
        values: [workspaceId],
      });
      return result.rows.map(toAgent);
    },

    async listFleetAgents() {
      const result = await database.query<AgentRow>({
        text: "SELECT * FROM agents WHERE source = 'file' AND status <> 'archived' ORDER BY workspace_id, created_at, id",
        values: [],
      });
      return result.rows.map(toAgent);
    },

    async updateAgent(workspaceId, id, patch, now) {
      if (!isUuid(workspaceId) || !isUuid(id)) return undefined;
      const assignments: string[] = [];
      const values: unknown[] = [workspaceId, id, now];
      for (const key of Object.keys(patchColumns) as (keyof AgentPatch)[]) {
        const value = patch[key];
        if (value === undefined) continue;
        values.push(key === 'config' ? toJsonParameter(value, 'agent config') : value);
        assignments.push(`${patchColumns[key]} = $${values.length}${key === 'config' ? '::jsonb' : ''}`);
      }
      const result = await database.query<AgentRow>({
        text: `UPDATE agents SET ${[...assignments, 'updated_at = $3'].join(', ')} WHERE workspace_id = $1 AND id = $2 RETURNING *`,
        values,
      });
      return result.rows[0] ? toAgent(result.rows[0]) : undefined;
    },

    async touchAgent(agentId, at) {
      if (!isUuid(agentId)) return;
      await database.query({ name: 'agent_touch', text: 'UPDATE agents SET last_active_at = $2 WHERE id = $1', values: [agentId, at] });
    },
  };
}
