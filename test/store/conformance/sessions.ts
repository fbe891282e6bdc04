/** Conformance: sessions. */
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import type { Session, SessionPage, SessionQuery, Store } from '../../../src/store/store.ts';
import { addAgent, addMessage, addSession, addTenant, addUser, addWorkspace, at, type StoreGetter } from './fixtures.ts';

/**
 * Two members and two agents over thirteen sessions on only three distinct lastMessageAt
 * values (most neighbours tie), created in an order unrelated to their ids; and a neighbouring
 * workspace with the same times, that must never show up.
 */
async function buildKeysetFixture(store: Store) {
  const { workspace, admin, member, agent } = await addTenant(store);
  const otherAgent = await addAgent(store, workspace.id);
  const owners = [member, admin, member];
  const ids = Array.from({ length: 13 }, () => newId());
  for (const index of ids.map((_, position) => (position * 5) % ids.length)) {
    const user = owners[index % owners.length];
    await store.createSession({ id: ids[index], workspaceId: workspace.id, userId: user.id, agentId: index % 2 === 0 ? agent.id : otherAgent.id, title: `keyset ${index}`, now: at(1000 * (index % 3)) });
  }
  const foreign = await addTenant(store);
  for (let index = 0; index < 3; index += 1) await addSession(store, foreign.member, foreign.agent, at(1000 * index));
  return { workspace, admin, member, agent, otherAgent, foreign };
}

/** Every page of a listing: the first by offset 0, each next one after the previous page's last session. */
async function walk(store: Store, query: Omit<SessionQuery, 'offset' | 'cursor'>, between?: (page: SessionPage) => Promise<void>): Promise<SessionPage[]> {
  const pages = [await store.listSessions({ ...query, offset: 0 })];
  for (let page = pages[0]; page.hasMore; page = pages[pages.length - 1]) {
    await between?.(page);
    const last = page.data[page.data.length - 1] as Session;
    pages.push(await store.listSessions({ ...query, offset: 0, cursor: { lastMessageAt: last.lastMessageAt, id: last.id } }));
    if (pages.length > 50) throw new Error('the cursor walk does not end');
  }
  return pages;
}

const idsOf = (sessions: Session[]) => sessions.map((session) => session.id);

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

    describe('keyset pages (cursor)', () => {
      let fixture: Awaited<ReturnType<typeof buildKeysetFixture>>;
      beforeAll(async () => {
        fixture = await buildKeysetFixture(store());
      });

      it('walks every session once, in order, whatever the filters; total unchanged on every page', async () => {
        const { workspace, member, agent } = fixture;
        for (const filters of [{}, { userId: member.id }, { agentId: agent.id }, { userId: member.id, agentId: agent.id }]) {
          const query = { workspaceId: workspace.id, ...filters };
          const everything = await store().listSessions({ ...query, limit: 200, offset: 0 });
          for (const limit of [1, 3, 5]) {
            const pages = await walk(store(), { ...query, limit });
            const label = `${JSON.stringify(filters)}, limit ${limit}`;
            expect(idsOf(pages.flatMap((page) => page.data)), label).toEqual(idsOf(everything.data));
            expect(pages.map((page) => page.total), label).toEqual(pages.map(() => everything.total));
            expect(pages.map((page) => page.hasMore), label).toEqual(pages.map((_, index) => index < pages.length - 1));
            expect(pages.every((page) => page.data.length <= limit), label).toBe(true);
          }
        }
      });

      it('breaks ties on lastMessageAt by id, descending, across page boundaries', async () => {
        const { workspace } = fixture;
        const sessions = (await walk(store(), { workspaceId: workspace.id, limit: 2 })).flatMap((page) => page.data);
        expect(sessions).toHaveLength(13);
        const expected = [...sessions].sort((left, right) => right.lastMessageAt.getTime() - left.lastMessageAt.getTime() || (left.id < right.id ? 1 : -1));
        expect(idsOf(sessions)).toEqual(idsOf(expected));
        // Three distinct times over thirteen sessions: most boundaries fall inside a tie.
        expect(new Set(sessions.map((session) => session.lastMessageAt.getTime())).size).toBe(3);
      });

      it('a cursor is a position: it need not be a session, and it widens no scope', async () => {
        const { workspace, member, foreign } = fixture;
        const everything = await store().listSessions({ workspaceId: workspace.id, limit: 200, offset: 0 });
        // Between two times, with an id that is no session: the sessions strictly older.
        const page = await store().listSessions({ workspaceId: workspace.id, limit: 200, offset: 0, cursor: { lastMessageAt: at(1500), id: newId() } });
        expect(idsOf(page.data)).toEqual(idsOf(everything.data.filter((session) => session.lastMessageAt < at(1500))));
        expect(page).toMatchObject({ total: everything.total, hasMore: false });
        // Another tenant's session as the cursor: still only this workspace's (or member's) sessions.
        const theirs = (await store().listSessions({ workspaceId: foreign.workspace.id, limit: 1, offset: 0 })).data[0];
        const cursor = { lastMessageAt: theirs.lastMessageAt, id: theirs.id };
        const scoped = await store().listSessions({ workspaceId: workspace.id, userId: member.id, limit: 200, offset: 0, cursor });
        expect(scoped.data.every((session) => session.workspaceId === workspace.id && session.userId === member.id)).toBe(true);
        expect(scoped.total).toBe((await store().listSessions({ workspaceId: workspace.id, userId: member.id, limit: 1, offset: 0 })).total);
        // Past the oldest: an empty last page, total kept.
        expect(await store().listSessions({ workspaceId: workspace.id, limit: 5, offset: 0, cursor: { lastMessageAt: at(-1), id: newId() } })).toEqual({ data: [], total: everything.total, hasMore: false });
      });

      it('a session that gets a message while walking is not listed twice', async () => {
        const { workspace, member, agent } = await addTenant(store());
        for (let index = 0; index < 9; index += 1) await addSession(store(), member, agent, at(1000 * index));
        const query = { workspaceId: workspace.id, userId: member.id, limit: 3 };
        const listing = (await store().listSessions({ ...query, limit: 200, offset: 0 })).data;
        const before = idsOf(listing);
        const byId = new Map(listing.map((session) => [session.id, session]));
        const jumped: string[] = [];
        let clock = 10_000;
        const pages = await walk(store(), query, async (page) => {
          // After each page, one session of the page and the oldest one not yet listed get a
          // message: both move to the top of the listing, ahead of the cursor.
          await addMessage(store(), page.data[0], { createdAt: at(clock++) });
          const unseen = before.filter((id) => !jumped.includes(id)).at(-1) as string;
          jumped.push(unseen);
          await addMessage(store(), byId.get(unseen) as Session, { createdAt: at(clock++) });
        });
        const seen = idsOf(pages.flatMap((page) => page.data));
        expect(new Set(seen).size).toBe(seen.length);
        // The rest in their first order; the sessions that jumped ahead unseen belong to a new walk.
        expect(jumped).toHaveLength(2);
        expect(seen).toEqual(before.filter((id) => !jumped.includes(id)));
        expect(pages.map((page) => page.total)).toEqual(pages.map(() => 9));

        // The same change under offset pages: the session before the boundary is listed twice.
        const first = await store().listSessions({ ...query, offset: 0 });
        const later = (await store().listSessions({ ...query, limit: 1, offset: 5 })).data[0];
        await addMessage(store(), later, { createdAt: at(clock++) });
        const second = await store().listSessions({ ...query, offset: 3 });
        expect(idsOf(second.data)[0]).toBe(first.data[2].id);
      });

      it('hasMore on offset pages: offset + page < total', async () => {
        const { workspace } = fixture;
        const page = await store().listSessions({ workspaceId: workspace.id, limit: 5, offset: 5 });
        expect(page).toMatchObject({ total: 13, hasMore: true });
        expect(await store().listSessions({ workspaceId: workspace.id, limit: 5, offset: 10 })).toMatchObject({ total: 13, hasMore: false });
      });
    });
  });
}
