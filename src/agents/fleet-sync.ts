import type { Fleet, FleetAgent } from '../config/types.ts';
import { newId } from '../ids.ts';
import type { Agent, Store, Workspace } from '../store/store.ts';
import type { AgentService } from './agent-service.ts';

export { DEFAULT_WORKSPACE } from '../config/fleet-agents.ts';
import { DEFAULT_WORKSPACE } from '../config/fleet-agents.ts';

export async function ensureWorkspace(store: Store, name: string): Promise<Workspace> {
  const existing = await store.getWorkspaceByName(name);
  if (existing) return existing;
  try {
    return await store.createWorkspace({ id: newId(), name, now: new Date() });
  } catch (error) {
    // Another instance created it at the same moment.
    const created = await store.getWorkspaceByName(name);
    if (created) return created;
    throw error;
  }
}

const toInput = (agent: FleetAgent) => ({
  name: agent.name,
  role: agent.role,
  description: agent.description,
  soul: agent.soul,
  status: agent.status,
  config: { model: agent.model, routing: agent.routing, session: agent.session, limits: agent.limits },
});

export interface FleetSyncResult {
  created: number;
  updated: number;
  /** Agents an earlier fleet file (or the demo fleet) made that this one no longer lists: archived. */
  archived: { name: string; workspace: string }[];
}

/**
 * Creates or updates the fleet file's agents (matched by id, else by name, within their
 * workspace) and sets each workspace's default agent. The agents an earlier fleet file made
 * that this one no longer lists (removed, renamed, or the demo fleet's once a file is given) are
 * archived: they stop answering and leave routing, their history stays readable, and listing
 * them again brings them back. Agents made through the API are left alone.
 */
export async function syncFleet(store: Store, agents: AgentService, fleet: Fleet): Promise<FleetSyncResult> {
  let created = 0;
  let updated = 0;
  const defaults = new Map<string, string>();
  const listed = new Set<string>();
  for (const fleetAgent of fleet.agents) {
    const workspace = await ensureWorkspace(store, fleetAgent.workspace ?? DEFAULT_WORKSPACE);
    const byId = fleetAgent.id ? await store.getAgentById(fleetAgent.id) : undefined;
    if (byId && byId.workspaceId !== workspace.id) {
      throw new Error(`Fleet agent "${fleetAgent.name}" has id ${fleetAgent.id}, which belongs to an agent of another workspace.`);
    }
    const existing = byId ?? (await store.getAgentByName(workspace.id, fleetAgent.name));
    const agent = existing ? await updateFromFile(store, agents, workspace.id, existing, fleetAgent) : await createFromFile(store, agents, workspace.id, fleetAgent);
    listed.add(agent.id);
    if (agent.created) created += 1;
    else updated += 1;
    if (fleet.defaultAgent && fleet.defaultAgent.toLowerCase() === fleetAgent.name.toLowerCase()) defaults.set(workspace.id, agent.id);
  }
  for (const [workspaceId, agentId] of defaults) await store.setDefaultAgent(workspaceId, agentId);
  const archived = await archiveUnlisted(store, agents, listed);
  return { created, updated, archived };
}

async function archiveUnlisted(store: Store, agents: AgentService, listed: Set<string>): Promise<FleetSyncResult['archived']> {
  const archived: FleetSyncResult['archived'] = [];
  const workspaceNames = new Map<string, string>();
  for (const agent of await store.listFleetAgents()) {
    if (listed.has(agent.id)) continue;
    await agents.archive(agent.workspaceId, agent.id);
    if (!workspaceNames.has(agent.workspaceId)) workspaceNames.set(agent.workspaceId, (await store.getWorkspace(agent.workspaceId))?.name ?? agent.workspaceId);
    archived.push({ name: agent.name, workspace: workspaceNames.get(agent.workspaceId) as string });
  }
  return archived;
}

async function updateFromFile(store: Store, agents: AgentService, workspaceId: string, existing: Agent, fleetAgent: FleetAgent): Promise<{ id: string; created: boolean }> {
  if (existing.status === 'archived') {
    // An archived fleet agent is brought back: the file says it exists.
    await store.updateAgent(workspaceId, existing.id, { status: fleetAgent.status }, new Date());
  }
  await agents.update(workspaceId, existing.id, toInput(fleetAgent));
  return { id: existing.id, created: false };
}

/** Several instances starting at once race to create the same agents: the loser updates. */
async function createFromFile(store: Store, agents: AgentService, workspaceId: string, fleetAgent: FleetAgent): Promise<{ id: string; created: boolean }> {
  try {
    const agent = await agents.create(workspaceId, toInput(fleetAgent), 'file', fleetAgent.id ?? newId());
    return { id: agent.id, created: true };
  } catch (error) {
    const winner = await store.getAgentByName(workspaceId, fleetAgent.name);
    if (!winner) throw error;
    return updateFromFile(store, agents, workspaceId, winner, fleetAgent);
  }
}
