/** Conformance: agents. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import { StoreConflictError, type AgentStatus } from '../../../src/store/store.ts';
import { addAgent, addWorkspace, agentConfig, at, uniqueName, type StoreGetter } from './fixtures.ts';

export function describeAgents(store: StoreGetter): void {
  describe('agents', () => {
    it('creates an agent and reads it back with every field', async () => {
      const workspace = await addWorkspace(store());
      const id = newId();
      const name = uniqueName('Nova');
      const config = agentConfig({ limits: { dailyTokenBudget: null, monthlyTokenBudget: 6000000 } });
      const input = { id, workspaceId: workspace.id, name, role: 'Analyst', description: 'Watches markets', soul: '# Nova ✨', status: 'offline' as const, config, source: 'file' as const };
      const created = await store().createAgent({ ...input, now: at(7) });
      const expected = { ...input, createdAt: at(7), updatedAt: at(7), lastActiveAt: null };
      expect(created).toEqual(expected);
      expect(await store().getAgent(workspace.id, id)).toEqual(expected);
      expect(await store().getAgentById(id)).toEqual(expected);
      expect(await store().getAgentByName(workspace.id, name.toUpperCase())).toEqual(expected);
    });

    it('refuses a name already used in the workspace, whatever its case', async () => {
      const workspace = await addWorkspace(store());
      const agent = await addAgent(store(), workspace.id, { name: uniqueName('Nova') });
      await expect(addAgent(store(), workspace.id, { name: agent.name.toLowerCase() })).rejects.toBeInstanceOf(StoreConflictError);
      await expect(addAgent(store(), workspace.id, { name: agent.name.toUpperCase() })).rejects.toBeInstanceOf(StoreConflictError);
    });

    it('allows the same name in two workspaces', async () => {
      const first = await addWorkspace(store());
      const second = await addWorkspace(store());
      const name = uniqueName('Aria');
      const one = await addAgent(store(), first.id, { name });
      const two = await addAgent(store(), second.id, { name });
      expect((await store().getAgentByName(first.id, name))?.id).toBe(one.id);
      expect((await store().getAgentByName(second.id, name))?.id).toBe(two.id);
    });

    it('scopes reads to the workspace', async () => {
      const workspace = await addWorkspace(store());
      const other = await addWorkspace(store());
      const agent = await addAgent(store(), workspace.id);
      expect(await store().getAgent(other.id, agent.id)).toBeUndefined();
      expect(await store().getAgentByName(other.id, agent.name)).toBeUndefined();
      expect(await store().getAgent(workspace.id, newId())).toBeUndefined();
      expect(await store().getAgentById(newId())).toBeUndefined();
      expect((await store().listAgents(other.id, { limit: 10, offset: 0 })).total).toBe(0);
    });

    it('lists agents by creation then id, filtered by status, paginated', async () => {
      const workspace = await addWorkspace(store());
      const first = await addAgent(store(), workspace.id, { now: at(1000) });
      const archived = await addAgent(store(), workspace.id, { status: 'archived', now: at(2000) });
      const offline = await addAgent(store(), workspace.id, { status: 'offline', now: at(3000) });
      const last = await addAgent(store(), workspace.id, { now: at(4000) });

      const all = await store().listAgents(workspace.id, { limit: 10, offset: 0 });
      expect(all.total).toBe(4);
      expect(all.data.map((agent) => agent.id)).toEqual([first.id, archived.id, offline.id, last.id]);
      const page = await store().listAgents(workspace.id, { limit: 2, offset: 1 });
      expect(page.data.map((agent) => agent.id)).toEqual([archived.id, offline.id]);
      expect(page.total).toBe(4);
      const online = await store().listAgents(workspace.id, { status: 'online', limit: 1, offset: 1 });
      expect(online.total).toBe(2);
      expect(online.data.map((agent) => agent.id)).toEqual([last.id]);
      const active = await store().listActiveAgents(workspace.id);
      expect(active.map((agent) => agent.id)).toEqual([first.id, offline.id, last.id]);
    });

    it('lists the agents fleet files made that are not archived, across workspaces', async () => {
      const [one, two] = [await addWorkspace(store()), await addWorkspace(store())];
      const fromFile = (workspaceId: string, status: AgentStatus, ms: number) =>
        store().createAgent({ id: newId(), workspaceId, name: uniqueName('Filed'), role: 'r', description: 'd', soul: 's', status, config: agentConfig(), source: 'file', now: at(ms) });
      const first = await fromFile(one.id, 'online', 0);
      await fromFile(one.id, 'archived', 1000);
      const offline = await fromFile(one.id, 'offline', 2000);
      const other = await fromFile(two.id, 'online', 0);
      await addAgent(store(), one.id); // made through the API
      const listed = (await store().listFleetAgents()).filter((agent) => agent.workspaceId === one.id || agent.workspaceId === two.id);
      const expected = [[first.id, offline.id], [other.id]];
      // Grouped by workspace, in creation order within each.
      const byWorkspace = [one.id, two.id].map((id) => listed.filter((agent) => agent.workspaceId === id).map((agent) => agent.id));
      expect(byWorkspace).toEqual(expected);
      expect(listed.every((agent) => agent.source === 'file')).toBe(true);
    });

    it('orders agents created in the same millisecond by id', async () => {
      const workspace = await addWorkspace(store());
      const ids = [newId(), newId(), newId()];
      for (const id of [ids[2], ids[0], ids[1]]) {
        await store().createAgent({ id, workspaceId: workspace.id, name: uniqueName('Twin'), role: 'r', description: 'd', soul: 's', status: 'online', config: agentConfig(), source: 'api', now: at(0) });
      }
      const listed = await store().listAgents(workspace.id, { limit: 10, offset: 0 });
      expect(listed.data.map((agent) => agent.id)).toEqual(ids);
    });

    it('patches only the given fields and moves updatedAt', async () => {
      const workspace = await addWorkspace(store());
      const agent = await addAgent(store(), workspace.id, { now: at(0) });
      const renamed = uniqueName('Renamed');
      const config = agentConfig({ model: { default: 'mock/other', fallbacks: [] } });
      const updated = await store().updateAgent(workspace.id, agent.id, { name: renamed, status: 'archived', config }, at(500));
      const expected = { ...agent, name: renamed, status: 'archived', config, updatedAt: at(500) };
      expect(updated).toEqual(expected);
      expect(await store().getAgent(workspace.id, agent.id)).toEqual(expected);
      const soulOnly = await store().updateAgent(workspace.id, agent.id, { soul: 'new soul' }, at(600));
      expect(soulOnly).toEqual({ ...expected, soul: 'new soul', updatedAt: at(600) });
    });

    it('refuses a rename onto another agent name and leaves foreign agents alone', async () => {
      const workspace = await addWorkspace(store());
      const other = await addWorkspace(store());
      const first = await addAgent(store(), workspace.id);
      const second = await addAgent(store(), workspace.id);
      await expect(store().updateAgent(workspace.id, second.id, { name: first.name.toUpperCase() }, at(1))).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store().updateAgent(other.id, first.id, { name: 'Hijacked' }, at(1))).toBeUndefined();
      expect(await store().updateAgent(workspace.id, newId(), { name: 'Ghost' }, at(1))).toBeUndefined();
      expect(await store().getAgent(workspace.id, first.id)).toEqual(first);
      expect(await store().getAgent(workspace.id, second.id)).toEqual(second);
    });

    it('records when an agent was last active', async () => {
      const workspace = await addWorkspace(store());
      const agent = await addAgent(store(), workspace.id);
      await store().touchAgent(agent.id, at(42));
      expect((await store().getAgent(workspace.id, agent.id))?.lastActiveAt).toEqual(at(42));
    });
  });
}
