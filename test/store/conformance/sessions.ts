/** Conformance: sessions. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import { addAgent, addMessage, addSession, addTenant, addUser, addWorkspace, at, type StoreGetter } from './fixtures.ts';

export function describeSessions(store: StoreGetter): void {
  describe('sessions', () => {
    it('creates a session and reads it back, scoped to its workspace', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const other = await addWorkspace(store());
      const id = newId();
      const created = await store().createSession({ id, workspaceId: workspace.id, userId: member.id, agentId: agent.id, title: 'Q1 🚀', now: at(10) });
      const expected = { id, workspaceId: workspace.id, userId: member.id, agentId: agent.id, title: 'Q1 🚀', createdAt: at(10), lastMessageAt: at(10) };
      expect(created).toEqual(expected);
      expect(await store().getSession(workspace.id, id)).toEqual(expected);
      expect(await store().getSession(other.id, id)).toBeUndefined();
      expect(await store().getSession(workspace.id, newId())).toBeUndefined();
    });

    it('lists sessions newest activity first, filtered by user and agent', async () => {
      const { workspace, admin, member, agent } = await addTenant(store());
      const otherAgent = await addAgent(store(), workspace.id);
      const oldest = await addSession(store(), member, agent, at(1000));
      const middle = await addSession(store(), member, otherAgent, at(2000));
      const admins = await addSession(store(), admin, agent, at(3000));
      const newest = await addSession(store(), member, agent, at(4000));
      // A message moves the oldest session to the top.
      await addMessage(store(), oldest, { createdAt: at(5000) });

      const ids = async (query: { userId?: string; agentId?: string; limit?: number; offset?: number }) => {
        const page = await store().listSessions({ workspaceId: workspace.id, limit: 10, offset: 0, ...query });
        return { ids: page.data.map((session) => session.id), total: page.total };
      };
      expect(await ids({})).toEqual({ ids: [oldest.id, newest.id, admins.id, middle.id], total: 4 });
      expect(await ids({ limit: 2, offset: 1 })).toEqual({ ids: [newest.id, admins.id], total: 4 });
      expect(await ids({ userId: member.id })).toEqual({ ids: [oldest.id, newest.id, middle.id], total: 3 });
      expect(await ids({ agentId: agent.id })).toEqual({ ids: [oldest.id, newest.id, admins.id], total: 3 });
      expect(await ids({ userId: member.id, agentId: otherAgent.id })).toEqual({ ids: [middle.id], total: 1 });
      expect(await ids({ userId: newId() })).toEqual({ ids: [], total: 0 });
      const other = await addWorkspace(store());
      expect((await store().listSessions({ workspaceId: other.id, userId: member.id, limit: 10, offset: 0 })).total).toBe(0);
    });

    it('breaks ties on lastMessageAt by id, descending', async () => {
      const { member, agent } = await addTenant(store());
      const ids = [newId(), newId(), newId()];
      for (const id of [ids[1], ids[2], ids[0]]) {
        await store().createSession({ id, workspaceId: member.workspaceId, userId: member.id, agentId: agent.id, title: 't', now: at(0) });
      }
      const page = await store().listSessions({ workspaceId: member.workspaceId, userId: member.id, limit: 10, offset: 0 });
      expect(page.data.map((session) => session.id)).toEqual([...ids].reverse());
    });

    it("finds the user's most recently active session", async () => {
      const { workspace, member, agent } = await addTenant(store());
      const someoneElse = await addUser(store(), workspace.id);
      expect(await store().latestSession(workspace.id, member.id)).toBeUndefined();
      const first = await addSession(store(), member, agent, at(1000));
      const second = await addSession(store(), member, agent, at(2000));
      await addSession(store(), someoneElse, agent, at(9000));
      expect((await store().latestSession(workspace.id, member.id))?.id).toBe(second.id);
      await addMessage(store(), first, { createdAt: at(3000) });
      const latest = await store().latestSession(workspace.id, member.id);
      expect(latest?.id).toBe(first.id);
      expect(latest?.lastMessageAt).toEqual(at(3000));
      const other = await addWorkspace(store());
      expect(await store().latestSession(other.id, member.id)).toBeUndefined();
    });
  });
}
