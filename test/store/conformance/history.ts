/** Conformance: the history query (filters, scoping, order, pagination, joins). */
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import type { HistoryPage, HistoryQuery, Message } from '../../../src/store/store.ts';
import { addAgent, addMessage, addSession, addTenant, addUser, at, type StoreGetter } from './fixtures.ts';

async function buildFixture(store: StoreGetter) {
  const { workspace, admin, member, agent } = await addTenant(store());
  const secondMember = await addUser(store(), workspace.id);
  const otherAgent = await addAgent(store(), workspace.id);
  const s1 = await addSession(store(), member, agent, at(0));
  const s2 = await addSession(store(), member, otherAgent, at(0));
  const s3 = await addSession(store(), secondMember, agent, at(0));
  const plan = [[s1, 'user'], [s3, 'user'], [s1, 'assistant'], [s2, 'user'], [s3, 'assistant'], [s2, 'assistant'], [s1, 'user']] as const;
  const messages: Message[] = [];
  for (const [index, [session, role]] of plan.entries()) {
    messages.push(await addMessage(store(), session, { role, content: `message ${index}`, createdAt: at(1000 * (index + 1)) }));
  }
  // A neighbour with the same shapes and times, that must never show up.
  const foreign = await addTenant(store());
  const foreignSession = await addSession(store(), foreign.member, foreign.agent, at(0));
  for (let index = 0; index < 3; index += 1) await addMessage(store(), foreignSession, { createdAt: at(1000 * (index + 1)) });
  return { workspace, admin, member, secondMember, agent, otherAgent, s1, s2, s3, messages, foreign, foreignSession };
}

/**
 * Two members and two agents over four sessions, 23 messages on only four distinct timestamps
 * (so most neighbours tie on createdAt, across sessions), inserted in an order unrelated to their
 * ids; and a neighbouring workspace with the same times.
 */
async function buildKeysetFixture(store: StoreGetter) {
  const { workspace, admin, member, agent } = await addTenant(store());
  const secondMember = await addUser(store(), workspace.id);
  const otherAgent = await addAgent(store(), workspace.id);
  const sessions = [
    await addSession(store(), member, agent, at(0)),
    await addSession(store(), member, otherAgent, at(0)),
    await addSession(store(), secondMember, agent, at(0)),
    await addSession(store(), member, agent, at(0)),
  ];
  const ids = Array.from({ length: 23 }, () => newId());
  const order = ids.map((_, index) => (index * 7) % ids.length); // a permutation (7 and 23 are coprime)
  const messages: Message[] = [];
  for (const index of order) {
    const session = sessions[(index * 3) % sessions.length];
    messages.push(await addMessage(store(), session, { id: ids[index], role: index % 2 === 0 ? 'user' : 'assistant', content: `keyset ${index}`, createdAt: at(1000 * (1 + (index % 4))) }));
  }
  const foreign = await addTenant(store());
  const foreignSession = await addSession(store(), foreign.member, foreign.agent, at(0));
  const foreignMessages: Message[] = [];
  for (let index = 0; index < 4; index += 1) foreignMessages.push(await addMessage(store(), foreignSession, { createdAt: at(1000 * (1 + index)) }));
  return { workspace, admin, member, secondMember, agent, otherAgent, sessions, messages, foreign, foreignMessages };
}

export function describeHistory(store: StoreGetter): void {
  describe('history: keyset pages (cursor)', () => {
    let fixture: Awaited<ReturnType<typeof buildKeysetFixture>>;
    beforeAll(async () => {
      fixture = await buildKeysetFixture(store);
    });

    type Scope = Partial<HistoryQuery>;
    const base = (scope: Scope): HistoryQuery => ({ workspaceId: fixture.workspace.id, viewerId: fixture.admin.id, limit: 50, offset: 0, order: 'asc', ...scope });
    const scopes = (): Record<string, Scope> => ({
      admin: {},
      member: { userId: fixture.member.id, viewerId: fixture.member.id },
      'second member': { userId: fixture.secondMember.id, viewerId: fixture.secondMember.id },
      session: { sessionId: fixture.sessions[0].id },
      'member, session': { userId: fixture.member.id, sessionId: fixture.sessions[3].id },
      'admin, agent': { agentId: fixture.agent.id },
      'member, agent': { userId: fixture.member.id, agentId: fixture.agent.id },
    });

    /** Pages by offset, and pages by cursor from the first one on: both lists of pages. */
    async function walk(scope: Scope, order: 'asc' | 'desc', limit: number) {
      const byOffset: HistoryPage[] = [];
      for (let offset = 0; ; offset += limit) {
        const result = await store().history({ ...base(scope), order, limit, offset });
        byOffset.push(result);
        if (!result.hasMore) break;
      }
      const byCursor: HistoryPage[] = [await store().history({ ...base(scope), order, limit })];
      while (byCursor.at(-1)?.hasMore) {
        const previous = byCursor.at(-1) as HistoryPage;
        byCursor.push(await store().history({ ...base(scope), order, limit, cursor: previous.data.at(-1)?.id }));
        if (byCursor.length > 50) throw new Error('the cursor walk does not end');
      }
      return { byOffset, byCursor };
    }
    const idsOf = (pages: HistoryPage[]) => pages.map((page) => page.data.map((item) => item.id));

    it('cursor pages are exactly the offset pages, in both orders, for every scope and filter', async () => {
      for (const [name, scope] of Object.entries(scopes())) {
        for (const order of ['asc', 'desc'] as const) {
          for (const limit of [1, 3, 4, 50]) {
            const { byOffset, byCursor } = await walk(scope, order, limit);
            const label = `${name}, ${order}, limit ${limit}`;
            expect(idsOf(byCursor), label).toEqual(idsOf(byOffset));
            expect(byCursor.map((page) => page.hasMore), label).toEqual(byOffset.map((page) => page.hasMore));
            // The total is the filter's, whatever the cursor.
            expect(new Set(byCursor.map((page) => page.total)), label).toEqual(new Set([byOffset[0].total]));
            expect(byOffset[0].total, label).toBe(byOffset.flatMap((page) => page.data).length);
          }
        }
      }
    });

    it('orders ties on createdAt by id, across sessions, and lists every message once', async () => {
      const { byCursor } = await walk({}, 'asc', 4);
      const items = byCursor.flatMap((page) => page.data);
      const expected = [...fixture.messages].sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime() || (left.id < right.id ? -1 : 1));
      expect(items.map((item) => item.id)).toEqual(expected.map((message) => message.id));
      const { byCursor: newestFirst } = await walk({}, 'desc', 4);
      expect(newestFirst.flatMap((page) => page.data).map((item) => item.id)).toEqual(expected.map((message) => message.id).reverse());
    });

    it('starts right after the cursor, skips `offset` more, and says whether more follow', async () => {
      const all = (await store().history({ ...base({}), order: 'desc' })).data.map((item) => item.id);
      const after = (index: number, extra: Partial<HistoryQuery> = {}) => store().history({ ...base({}), order: 'desc', limit: 5, cursor: all[index], ...extra });
      const middle = await after(10);
      expect(middle.data.map((item) => item.id)).toEqual(all.slice(11, 16));
      expect(middle).toMatchObject({ total: all.length, hasMore: true });
      expect((await after(10, { offset: 2 })).data.map((item) => item.id)).toEqual(all.slice(13, 18));
      // Exactly `limit` left: no more after them; the last message: an empty page, not an error.
      const exact = await after(all.length - 6);
      expect(exact.data.map((item) => item.id)).toEqual(all.slice(-5));
      expect(exact.hasMore).toBe(false);
      expect(await after(all.length - 1)).toEqual({ data: [], total: all.length, hasMore: false });
    });

    it('a cursor the query does not select gives an empty page with total 0, and nothing of others', async () => {
      const empty = { data: [], total: 0, hasMore: false };
      const secondMembers = fixture.messages.find((message) => message.userId === fixture.secondMember.id) as Message;
      const otherSessions = fixture.messages.find((message) => message.sessionId === fixture.sessions[1].id) as Message;
      const otherAgents = fixture.messages.find((message) => message.agentId === fixture.otherAgent.id) as Message;
      const member = scopes().member;
      for (const order of ['asc', 'desc'] as const) {
        // Another workspace's message, as an admin or a member of this one.
        for (const foreign of fixture.foreignMessages) {
          expect(await store().history({ ...base({}), order, cursor: foreign.id })).toEqual(empty);
          expect(await store().history({ ...base(member), order, cursor: foreign.id })).toEqual(empty);
        }
        // Another member's message, to a member; an unknown id.
        expect(await store().history({ ...base(member), order, cursor: secondMembers.id })).toEqual(empty);
        expect(await store().history({ ...base(member), order, cursor: newId() })).toEqual(empty);
        // The caller's own message, outside the filters of the query.
        expect(await store().history({ ...base({ sessionId: fixture.sessions[0].id }), order, cursor: otherSessions.id })).toEqual(empty);
        expect(await store().history({ ...base({ agentId: fixture.agent.id }), order, cursor: otherAgents.id })).toEqual(empty);
      }
      // The foreign tenant's own cursor walk never shows this workspace's messages, nor the reverse.
      const foreignWalk = await store().history({ workspaceId: fixture.foreign.workspace.id, viewerId: fixture.foreign.admin.id, limit: 50, offset: 0, order: 'asc', cursor: fixture.foreignMessages[0].id });
      expect(foreignWalk.data.map((item) => item.id)).toEqual(fixture.foreignMessages.slice(1).map((message) => message.id));
    });
  });

  describe('history', () => {
    let fixture: Awaited<ReturnType<typeof buildFixture>>;
    beforeAll(async () => {
      fixture = await buildFixture(store);
    });

    const page = (query: Partial<HistoryQuery>) =>
      store().history({ workspaceId: fixture.workspace.id, viewerId: fixture.admin.id, limit: 50, offset: 0, order: 'asc', ...query });
    const idsOf = async (query: Partial<HistoryQuery>) => {
      const result = await page(query);
      return { ids: result.data.map((item) => item.id), total: result.total };
    };
    const expected = (...indexes: number[]) => ({ ids: indexes.map((index) => fixture.messages[index].id), total: indexes.length });

    it('returns the whole workspace to an admin, and nothing of another workspace', async () => {
      expect(await idsOf({})).toEqual(expected(0, 1, 2, 3, 4, 5, 6));
    });

    it('scopes a member to its own sessions', async () => {
      expect(await idsOf({ userId: fixture.member.id })).toEqual(expected(0, 2, 3, 5, 6));
      expect(await idsOf({ userId: fixture.secondMember.id })).toEqual(expected(1, 4));
    });

    it('filters by session, by agent, and by both with the user (AND)', async () => {
      expect(await idsOf({ sessionId: fixture.s1.id })).toEqual(expected(0, 2, 6));
      expect(await idsOf({ agentId: fixture.agent.id })).toEqual(expected(0, 1, 2, 4, 6));
      expect(await idsOf({ agentId: fixture.agent.id, userId: fixture.member.id })).toEqual(expected(0, 2, 6));
      expect(await idsOf({ sessionId: fixture.s2.id, userId: fixture.member.id, agentId: fixture.otherAgent.id })).toEqual(expected(3, 5));
    });

    it('gives an empty page for sessions and agents the filters rule out', async () => {
      const empty = { ids: [], total: 0 };
      expect(await idsOf({ sessionId: fixture.s3.id, userId: fixture.member.id })).toEqual(empty);
      expect(await idsOf({ sessionId: fixture.s1.id, agentId: fixture.otherAgent.id })).toEqual(empty);
      expect(await idsOf({ sessionId: fixture.foreignSession.id })).toEqual(empty);
      expect(await idsOf({ agentId: fixture.foreign.agent.id })).toEqual(empty);
      expect(await idsOf({ userId: fixture.foreign.member.id })).toEqual(empty);
      expect(await idsOf({ sessionId: newId() })).toEqual(empty);
    });

    it('orders newest first with desc and pages with limit and offset', async () => {
      expect(await idsOf({ order: 'desc' })).toEqual(expected(6, 5, 4, 3, 2, 1, 0));
      expect(await idsOf({ order: 'desc', limit: 2, offset: 1 })).toEqual({ ...expected(5, 4), total: 7 });
      expect(await idsOf({ order: 'asc', limit: 3, offset: 5 })).toEqual({ ...expected(5, 6), total: 7 });
      expect(await idsOf({ limit: 3, offset: 7 })).toEqual({ ids: [], total: 7 });
      expect(await idsOf({ userId: fixture.member.id, order: 'desc', limit: 2, offset: 2 })).toEqual({ ...expected(3, 2), total: 5 });
    });

    it('returns complete items with the agent name and figures', async () => {
      const result = await page({ sessionId: fixture.s1.id, limit: 2 });
      expect(result.data[0]).toEqual({ ...fixture.messages[0], agentName: fixture.agent.name, feedback: null });
      expect(result.data[1]).toEqual({ ...fixture.messages[2], agentName: fixture.agent.name, feedback: null });
      expect(result.data[1].inputTokens).toBe(10);
      expect(result.data[0].inputTokens).toBeNull();
    });

    it("attaches the viewer's feedback only", async () => {
      const answer = fixture.messages[2];
      await store().upsertFeedback({ messageId: answer.id, userId: fixture.member.id, rating: 5, comment: 'great', now: at(10) });
      const find = async (viewerId: string) => (await page({ sessionId: fixture.s1.id, viewerId })).data.find((item) => item.id === answer.id);
      expect((await find(fixture.member.id))?.feedback).toEqual({ rating: 5, comment: 'great' });
      expect((await find(fixture.admin.id))?.feedback).toBeNull();
      await store().upsertFeedback({ messageId: answer.id, userId: fixture.admin.id, rating: 2, comment: null, now: at(20) });
      expect((await find(fixture.admin.id))?.feedback).toEqual({ rating: 2, comment: null });
      expect((await find(fixture.member.id))?.feedback).toEqual({ rating: 5, comment: 'great' });
    });

    it("shows the agent's current name", async () => {
      const { workspace, member } = await addTenant(store());
      const agent = await addAgent(store(), workspace.id);
      const session = await addSession(store(), member, agent, at(0));
      await addMessage(store(), session, { createdAt: at(1) });
      await store().updateAgent(workspace.id, agent.id, { name: `${agent.name}-renamed` }, at(2));
      const result = await store().history({ workspaceId: workspace.id, sessionId: session.id, viewerId: member.id, limit: 5, offset: 0, order: 'asc' });
      expect(result.data[0].agentName).toBe(`${agent.name}-renamed`);
    });

    it('breaks ties on createdAt by id, in both directions and across pages', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const ids = Array.from({ length: 7 }, () => newId());
      for (const index of [3, 0, 6, 1, 5, 2, 4]) {
        await store().insertMessage({ id: ids[index], sessionId: session.id, workspaceId: workspace.id, userId: member.id, agentId: agent.id, role: 'user', content: `tie ${index}`, status: 'complete', createdAt: at(500) });
      }
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        for (let offset = 0; offset < 7; offset += 3) {
          const result = await store().history({ workspaceId: workspace.id, userId: member.id, viewerId: member.id, limit: 3, offset, order });
          expect(result.total).toBe(7);
          seen.push(...result.data.map((item) => item.id));
        }
        expect(seen).toEqual(order === 'asc' ? ids : [...ids].reverse());
        const bySession = await store().history({ workspaceId: workspace.id, sessionId: session.id, viewerId: member.id, limit: 10, offset: 0, order });
        expect(bySession.data.map((item) => item.id)).toEqual(seen);
      }
    });
  });
}
