import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, foreignWorkspace, send } from './support.ts';

let t: TestServer;
let member: { token: string; id: string };
let ariaSession: string;
let novaSession: string;
let ratedMessageId: string;

beforeAll(async () => {
  t = await startTestServer();
  member = await t.member();
  const a1 = await send(t, { message: 'aria one', agentId: t.agents.Aria }, { token: member.token });
  ariaSession = a1.body.sessionId;
  await send(t, { message: 'aria two', sessionId: ariaSession }, { token: member.token });
  const n1 = await send(t, { message: 'nova one', agentId: t.agents.Nova }, { token: member.token });
  novaSession = n1.body.sessionId;
  ratedMessageId = n1.body.messageId;
  await t.request('POST', '/api/chat/feedback', { token: member.token, body: { messageId: ratedMessageId, rating: 4, comment: 'useful' } });
});
afterAll(async () => {
  await t?.close();
});

const history = (query: string, token = member.token) => t.request('GET', `/api/chat/history?${query}`, { token });

describe('GET /api/chat/history', () => {
  it('without filters: all the caller\'s messages, newest first, with the default limit 50', async () => {
    const response = await history('');
    expect(response.status).toBe(200);
    expect(response.body.pagination).toEqual({ total: 6, limit: 50, offset: 0, hasMore: false, nextCursor: null });
    expect(response.body.data.map((item: any) => item.content)).toEqual(['Echo: nova one', 'nova one', 'Echo: aria two', 'aria two', 'Echo: aria one', 'aria one']);
  });

  it('items carry the contract\'s fields; token fields on assistant messages only', async () => {
    const response = await history(`sessionId=${novaSession}`);
    const [assistant, user] = response.body.data;
    expect(assistant).toMatchObject({ role: 'assistant', sessionId: novaSession, agentId: t.agents.Nova, agentName: 'Nova', status: 'complete', model: 'upstream/gpt-test' });
    expect(Number.isInteger(assistant.inputTokens)).toBe(true);
    expect(Number.isInteger(assistant.outputTokens)).toBe(true);
    expect(new Date(assistant.createdAt).toISOString()).toBe(assistant.createdAt);
    expect(user).toMatchObject({ role: 'user', content: 'nova one', sessionId: novaSession, agentId: t.agents.Nova, agentName: 'Nova' });
    for (const field of ['inputTokens', 'outputTokens', 'status', 'model', 'feedback']) expect(user).not.toHaveProperty(field);
  });

  it('shows the caller\'s feedback on rated answers', async () => {
    const response = await history(`sessionId=${novaSession}`);
    expect(response.body.data[0].feedback).toEqual({ rating: 4, comment: 'useful' });
    const aria = await history(`sessionId=${ariaSession}`);
    expect(aria.body.data[0].feedback ?? null).toBeNull();
  });

  it('filters by session, by agent, and by both (AND)', async () => {
    expect((await history(`sessionId=${ariaSession}`)).body.pagination.total).toBe(4);
    expect((await history(`agentId=${t.agents.Nova}`)).body.data.map((item: any) => item.content)).toEqual(['Echo: nova one', 'nova one']);
    expect((await history(`agentId=${t.agents.Aria}&sessionId=${ariaSession}`)).body.pagination.total).toBe(4);
    const none = await history(`agentId=${t.agents.Nova}&sessionId=${ariaSession}`);
    expect(none.body.data).toEqual([]);
    expect(none.body.pagination.total).toBe(0);
    expect((await history(`agentId=${t.agents.Ledger}`)).body.data).toEqual([]);
  });

  it('an unknown session or agent gives an empty page', async () => {
    const response = await history(`sessionId=${newId()}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: [], pagination: { total: 0, limit: 50, offset: 0, hasMore: false, nextCursor: null } });
  });

  it('order=asc gives oldest first', async () => {
    const response = await history(`sessionId=${ariaSession}&order=asc`);
    expect(response.body.data.map((item: any) => item.content)).toEqual(['aria one', 'Echo: aria one', 'aria two', 'Echo: aria two']);
  });

  it('limit, offset and hasMore', async () => {
    const page1 = await history('limit=4&offset=0');
    expect(page1.body.data).toHaveLength(4);
    expect(page1.body.pagination).toEqual({ total: 6, limit: 4, offset: 0, hasMore: true, nextCursor: page1.body.data[3].id });
    const page2 = await history('limit=4&offset=4');
    expect(page2.body.data).toHaveLength(2);
    expect(page2.body.pagination).toEqual({ total: 6, limit: 4, offset: 4, hasMore: false, nextCursor: null });
    const beyond = await history('limit=4&offset=100');
    expect(beyond.body.data).toEqual([]);
    expect(beyond.body.pagination).toMatchObject({ total: 6, hasMore: false });
    const exact = await history('limit=6');
    expect(exact.body.pagination.hasMore).toBe(false);
    const all = await history('limit=200');
    expect([...page1.body.data, ...page2.body.data]).toEqual(all.body.data);
  });

  it('breaks ties on createdAt by id: pages never repeat or skip', async () => {
    const { store } = t.server.services;
    const user = await t.request('GET', '/api/auth/me', { token: member.token });
    const workspaceId = user.body.user.workspaceId;
    const sessionId = newId();
    const at = new Date('2030-01-01T00:00:00.000Z');
    await store.createSession({ id: sessionId, workspaceId, userId: member.id, agentId: t.agents.Ledger, title: 'ties', now: at });
    // Twelve messages with the very same timestamp, inserted in an order unrelated to their ids.
    const ids = Array.from({ length: 12 }, () => newId());
    for (const id of [...ids].reverse()) {
      await store.insertMessage({ id, sessionId, workspaceId, userId: member.id, agentId: t.agents.Ledger, role: 'user', content: `tie ${id}`, status: 'complete', createdAt: at });
    }
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      for (let offset = 0; offset < 12; offset += 5) {
        const page = await history(`sessionId=${sessionId}&order=${order}&limit=5&offset=${offset}`);
        expect(page.body.pagination.hasMore).toBe(offset + 5 < 12);
        seen.push(...page.body.data.map((item: any) => item.id));
      }
      const sorted = [...ids].sort();
      expect(seen).toEqual(order === 'asc' ? sorted : sorted.reverse());
    }
  });

  it('an admin reads the member\'s sessions; the member does not read the admin\'s', async () => {
    const adminAnswer = await send(t, { message: 'admin topic', agentId: t.agents.Aria });
    const adminView = await history(`sessionId=${ariaSession}`, t.adminToken);
    expect(adminView.body.pagination.total).toBe(4);
    const memberView = await history(`sessionId=${adminAnswer.body.sessionId}`);
    expect(memberView.body.data).toEqual([]);
    const everything = await history('limit=200', t.adminToken);
    expect(everything.body.data.map((item: any) => item.content)).toEqual(expect.arrayContaining(['admin topic', 'aria one', 'nova one']));
  });

  it('an admin does not see the member\'s feedback as its own', async () => {
    const response = await history(`sessionId=${novaSession}`, t.adminToken);
    expect(response.body.data[0].feedback ?? null).toBeNull();
  });

  it('the history of an archived agent stays readable', async () => {
    const agent = await t.request('POST', '/api/agents', { token: t.adminToken, body: { name: 'Retiring', config: { model: { default: 'upstream/gpt-test' } } } });
    const answer = await send(t, { message: 'before retirement', agentId: agent.body.id }, { token: member.token });
    expect((await t.request('DELETE', `/api/agents/${agent.body.id}`, { token: t.adminToken })).status).toBe(200);
    const response = await history(`sessionId=${answer.body.sessionId}`);
    expect(response.body.data.map((item: any) => item.content)).toEqual(['Echo: before retirement', 'before retirement']);
    expect(response.body.data[0].agentName).toBe('Retiring');
  });

  it('GET /api/chat/sessions lists the caller\'s own sessions; all=true is for admins only', async () => {
    const mine = await t.request('GET', '/api/chat/sessions', { token: member.token });
    expect(mine.status).toBe(200);
    const ids = mine.body.data.map((session: any) => session.id);
    expect(ids).toEqual(expect.arrayContaining([ariaSession, novaSession]));
    expect(mine.body.data.every((session: any) => session.userId === member.id)).toBe(true);
    const asAll = await t.request('GET', '/api/chat/sessions?all=true&limit=200', { token: member.token });
    expect(asAll.body.data.every((session: any) => session.userId === member.id)).toBe(true);
    const admin = await t.request('GET', '/api/chat/sessions?all=true&limit=200', { token: t.adminToken });
    expect(admin.body.data.map((session: any) => session.id)).toEqual(expect.arrayContaining([ariaSession, novaSession]));
    const byAgent = await t.request('GET', `/api/chat/sessions?agentId=${t.agents.Nova}`, { token: member.token });
    expect(byAgent.body.data.map((session: any) => session.id)).toEqual([novaSession]);
  });
});

describe('GET /api/chat/history with a cursor (before / after)', () => {
  /** Walks a listing: the first page as asked, then each next one from `nextCursor`. */
  async function walk(query: string, order: 'asc' | 'desc', token = member.token) {
    const name = order === 'asc' ? 'after' : 'before';
    const pages = [await history(`${query}&order=${order}&limit=3`, token)];
    for (let cursor = pages[0].body.pagination.nextCursor; cursor !== null; cursor = pages.at(-1)?.body.pagination.nextCursor) {
      const page = await history(`${query}&order=${order}&limit=3&${name}=${cursor}`, token);
      expect(page.status).toBe(200);
      pages.push(page);
      if (pages.length > 100) throw new Error('the cursor walk does not end');
    }
    return pages;
  }

  it('continues a listing to its end, message for message as the offset pages, in both orders', async () => {
    for (const [query, token] of [['', member.token], [`sessionId=${ariaSession}`, member.token], [`agentId=${t.agents.Aria}`, t.adminToken], ['', t.adminToken]] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const everything = (await history(`${query}&order=${order}&limit=200`, token)).body;
        const pages = await walk(query, order, token);
        const label = `${query || 'no filter'}, ${order}`;
        expect(pages.flatMap((page) => page.body.data), label).toEqual(everything.data);
        for (const [index, page] of pages.entries()) {
          const last = index === pages.length - 1;
          // offset is 0 on every page: the first by default, the next ones by definition.
          expect(page.body.pagination, label).toEqual({
            total: everything.pagination.total,
            limit: 3,
            offset: 0,
            hasMore: !last,
            nextCursor: last ? null : page.body.data[2].id,
          });
        }
      }
    }
  });

  it('a page after a cursor does not move when newer messages arrive (an offset page would)', async () => {
    const first = await history(`sessionId=${novaSession}&limit=1`);
    const [newest] = first.body.data;
    const cursor = first.body.pagination.nextCursor;
    expect(cursor).toBe(newest.id);
    const expected = (await history(`sessionId=${novaSession}&offset=1&limit=200`)).body.data;
    await send(t, { message: 'nova two', sessionId: novaSession }, { token: member.token });
    const next = await history(`sessionId=${novaSession}&before=${cursor}&limit=200`);
    expect(next.body.data).toEqual(expected);
    const shifted = await history(`sessionId=${novaSession}&offset=1&limit=200`);
    expect(shifted.body.data[0].id).not.toBe(expected[0].id);
  });

  it('refuses what would be ambiguous: 400 VALIDATION_ERROR with a clear message', async () => {
    const id = (await history('limit=1')).body.data[0].id;
    const cases: [string, RegExp][] = [
      [`before=${id}&after=${id}&order=asc`, /either `before`.*or `after`/],
      [`before=${id}&offset=3`, /`offset` cannot be combined with `before`/],
      [`before=${id}&offset=0`, /`offset` cannot be combined with `before`/],
      [`after=${id}&order=asc&offset=2`, /`offset` cannot be combined with `after`/],
      [`before=${id}&order=asc`, /`before` pages go newest first/],
      [`after=${id}`, /`after` pages go oldest first: add order=asc/],
      [`after=${id}&order=desc`, /`after` pages go oldest first/],
      ['before=not-a-uuid', /before/],
      ['after=&order=asc', /after/],
    ];
    for (const [query, message] of cases) {
      const response = await history(query);
      expectError(response, 400, 'VALIDATION_ERROR');
      expect(response.body.error, query).toMatch(message);
    }
    // The allowed pairs.
    expect((await history(`before=${id}`)).status).toBe(200);
    expect((await history(`before=${id}&order=desc`)).status).toBe(200);
    expect((await history(`after=${id}&order=asc`)).status).toBe(200);
  });

  it('a cursor the caller may not read, or that does not exist, gives an empty page and reveals nothing', async () => {
    const empty = { data: [], pagination: { total: 0, limit: 50, offset: 0, hasMore: false, nextCursor: null } };
    const other = await foreignWorkspace(t);
    const foreign = await send(t, { message: 'foreign secret', agentId: other.agentId }, { token: other.memberToken });
    const adminOwn = await send(t, { message: 'admin private', agentId: t.agents.Aria });
    const bob = await t.member();
    const bobs = await send(t, { message: 'bob private', agentId: t.agents.Nova }, { token: bob.token });
    for (const order of ['asc', 'desc'] as const) {
      const name = order === 'asc' ? 'after' : 'before';
      // Another workspace's message, to a member and to an admin of ours; the same for an unknown id.
      for (const cursor of [foreign.body.messageId, foreign.body.userMessageId, newId()]) {
        for (const token of [member.token, t.adminToken]) {
          const response = await history(`${name}=${cursor}&order=${order}`, token);
          expect(response.status).toBe(200);
          expect(response.body).toEqual(empty);
        }
      }
      // Another member's and the admin's messages, to a member.
      for (const cursor of [adminOwn.body.messageId, bobs.body.userMessageId]) expect((await history(`${name}=${cursor}&order=${order}`)).body).toEqual(empty);
      // The member's own message, outside the filters (a Nova answer, listing the Aria session or agent).
      for (const filter of [`sessionId=${ariaSession}`, `agentId=${t.agents.Aria}`]) {
        expect((await history(`${filter}&${name}=${ratedMessageId}&order=${order}`)).body).toEqual(empty);
      }
      // Ours, from the other workspace: nothing of ours either.
      for (const token of [other.adminToken, other.memberToken]) {
        const response = await history(`${name}=${ratedMessageId}&order=${order}`, token);
        expect(response.body).toEqual(empty);
        expect(JSON.stringify(response.body)).not.toContain('nova one');
      }
    }
  });
});
