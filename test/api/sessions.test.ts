/** GET /api/chat/sessions: pages by offset and by cursor, scope, and the refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSessionCursor } from '../../src/chat/session-cursor.ts';
import { newId } from '../../src/ids.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, foreignWorkspace, send } from './support.ts';

let t: TestServer;
let alice: { token: string; id: string };
let bob: { token: string; id: string };
let workspaceId: string;
const aliceSessions: string[] = [];
const bobSessions: string[] = [];

beforeAll(async () => {
  t = await startTestServer();
  alice = await t.member();
  bob = await t.member();
  workspaceId = (await t.request('GET', '/api/auth/me', { token: alice.token })).body.user.workspaceId;
  const { store } = t.server.services;
  // Alice: two sessions through the API, six on one timestamp (ties broken by id), created in
  // an order unrelated to their ids. Bob and the admin: a few each, at the same times.
  for (const agent of ['Aria', 'Nova']) aliceSessions.push((await send(t, { message: `alice ${agent}`, agentId: t.agents[agent] }, { token: alice.token })).body.sessionId);
  const tied = new Date('2030-01-01T00:00:00.000Z');
  const ids = Array.from({ length: 6 }, () => newId());
  for (const index of [3, 0, 5, 1, 4, 2]) {
    await store.createSession({ id: ids[index], workspaceId, userId: alice.id, agentId: index % 2 === 0 ? t.agents.Ledger : t.agents.Aria, title: `tie ${index}`, now: tied });
  }
  aliceSessions.push(...ids);
  for (const index of [0, 1, 2]) {
    const id = newId();
    await store.createSession({ id, workspaceId, userId: bob.id, agentId: t.agents.Aria, title: `bob ${index}`, now: tied });
    bobSessions.push(id);
  }
  await send(t, { message: 'admin own', agentId: t.agents.Aria });
});
afterAll(async () => {
  await t?.close();
});

const sessions = (query: string, token = alice.token) => t.request('GET', `/api/chat/sessions?${query}`, { token });

/** Every page of a listing: the first as asked, then each next one from `nextCursor`. */
async function walk(query: string, token = alice.token, between?: (page: any) => Promise<void>) {
  const pages = [await sessions(query, token)];
  for (let cursor = pages[0].body.pagination.nextCursor; cursor !== null; cursor = pages.at(-1)?.body.pagination.nextCursor) {
    await between?.(pages.at(-1));
    const page = await sessions(`${query}&cursor=${cursor}`, token);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    pages.push(page);
    if (pages.length > 100) throw new Error('the cursor walk does not end');
  }
  return pages;
}

const idsOf = (pages: any[]) => pages.flatMap((page) => page.body.data.map((session: any) => session.id));

describe('GET /api/chat/sessions: pagination.nextCursor', () => {
  it('is on every page: an opaque cursor after the last item while hasMore, else null (offset pages too)', async () => {
    const first = await sessions('limit=3');
    expect(first.status).toBe(200);
    const last = first.body.data[2];
    expect(first.body.pagination).toEqual({ total: 8, limit: 3, offset: 0, hasMore: true, nextCursor: encodeSessionCursor({ lastMessageAt: new Date(last.lastMessageAt), id: last.id }) });
    expect(first.body.pagination.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const middle = await sessions('limit=3&offset=3');
    expect(middle.body.pagination).toMatchObject({ offset: 3, hasMore: true, nextCursor: expect.any(String) });
    const end = await sessions('limit=3&offset=6');
    expect(end.body.pagination).toEqual({ total: 8, limit: 3, offset: 6, hasMore: false, nextCursor: null });
    expect((await sessions('limit=200')).body.pagination).toMatchObject({ total: 8, hasMore: false, nextCursor: null });
  });

  it('walking by cursor lists every session once, in the listing order (ties by id), offset 0 and total kept', async () => {
    for (const query of ['limit=3', 'limit=1', `limit=2&agentId=${t.agents.Aria}`]) {
      const everything = (await sessions(query.replace(/limit=\d+/, 'limit=200'))).body;
      const pages = await walk(query);
      expect(idsOf(pages), query).toEqual(everything.data.map((session: any) => session.id));
      for (const [index, page] of pages.entries()) {
        expect(page.body.pagination, query).toMatchObject({ total: everything.pagination.total, offset: 0, hasMore: index < pages.length - 1 });
      }
    }
    // The six tied sessions come newest id first.
    const tied = (await sessions('limit=200')).body.data.filter((session: any) => session.title.startsWith('tie')).map((session: any) => session.id);
    expect(tied).toEqual([...aliceSessions.slice(2)].sort().reverse());
  });

  it('a session that gets a message while walking is not listed twice', async () => {
    const carol = await t.member();
    for (let index = 0; index < 5; index += 1) await send(t, { message: `carol ${index}`, agentId: t.agents.Aria }, { token: carol.token });
    const before = (await sessions('limit=200', carol.token)).body.data.map((session: any) => session.id);
    // After the first page, a session of that page and the oldest one (not listed yet) get an
    // answer: both move to the top, ahead of the cursor. With offset pages the second page would
    // start with the first page's last session again.
    let moved = false;
    const pages = await walk('limit=2', carol.token, async (page) => {
      if (moved) return;
      moved = true;
      await send(t, { message: 'again', sessionId: page.body.data[0].id }, { token: carol.token });
      await send(t, { message: 'again', sessionId: before.at(-1) }, { token: carol.token });
    });
    const seen = idsOf(pages);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(before.slice(0, -1));
    expect(pages.map((page) => page.body.pagination.total)).toEqual(pages.map(() => 5));
  });
});

describe('GET /api/chat/sessions: scope under any cursor', () => {
  it('a member only ever reads its own sessions, whatever cursor it sends', async () => {
    const other = await foreignWorkspace(t);
    await send(t, { message: 'foreign', agentId: other.agentId }, { token: other.memberToken });
    const cursors = [
      ...(await walk('limit=1', bob.token)).map((page) => page.body.pagination.nextCursor),
      ...(await walk('limit=2&all=true', t.adminToken)).map((page) => page.body.pagination.nextCursor),
      ...(await walk('limit=1', other.memberToken)).map((page) => page.body.pagination.nextCursor),
      encodeSessionCursor({ lastMessageAt: new Date('9999-12-31T00:00:00.000Z'), id: newId() }),
      encodeSessionCursor({ lastMessageAt: new Date(0), id: bobSessions[0] }),
    ].filter((cursor): cursor is string => cursor !== null);
    expect(cursors.length).toBeGreaterThan(5);
    for (const cursor of cursors) {
      for (const extra of ['', '&all=true', `&agentId=${t.agents.Aria}`]) {
        const page = await sessions(`limit=200&cursor=${cursor}${extra}`);
        expect(page.status).toBe(200);
        expect(page.body.pagination.total).toBe(extra.includes('agentId') ? 4 : 8);
        for (const session of page.body.data) expect(session.userId).toBe(alice.id);
      }
    }
    // From the far future, the whole listing: the cursor only positions it.
    const top = await sessions(`limit=200&cursor=${cursors.at(-2)}`);
    expect(top.body.data.map((session: any) => session.id)).toEqual((await sessions('limit=200')).body.data.map((session: any) => session.id));
  });

  it('an admin walks the whole workspace with all=true, and only its own without', async () => {
    const everything = idsOf(await walk('limit=3&all=true', t.adminToken));
    expect(new Set(everything).size).toBe(everything.length);
    expect(everything).toEqual(expect.arrayContaining([...aliceSessions, ...bobSessions]));
    expect(everything).toEqual((await sessions('limit=200&all=true', t.adminToken)).body.data.map((session: any) => session.id));
    const own = (await walk('limit=1', t.adminToken)).flatMap((page) => page.body.data);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((session: any) => session.userId !== alice.id && session.userId !== bob.id)).toBe(true);
  });
});

describe('GET /api/chat/sessions: refusals', () => {
  it('cursor with offset, and a malformed cursor: 400 VALIDATION_ERROR saying what to send', async () => {
    const cursor = (await sessions('limit=1')).body.pagination.nextCursor;
    const encoded = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const cases: [string, RegExp][] = [
      [`cursor=${cursor}&offset=0`, /`offset` cannot be combined with `cursor`.*drop `offset`/],
      [`cursor=${cursor}&offset=3`, /`offset` cannot be combined with `cursor`/],
      ['cursor=', /pass `pagination.nextCursor`/],
      ['cursor=not%20base64', /`cursor` is not a sessions cursor/],
      [`cursor=${cursor}%3D`, /`cursor` is not a sessions cursor/],
      [`cursor=${encoded('hello')}`, /`cursor` is not a sessions cursor/],
      [`cursor=${encoded(`soon|${newId()}`)}`, /`cursor` is not a sessions cursor/],
      [`cursor=${encoded(`99999999999999999|${newId()}`)}`, /`cursor` is not a sessions cursor/],
      [`cursor=${encoded(`1893456000000|not-a-uuid-not-a-uuid-not-a-uuid-123`)}`, /`cursor` is not a sessions cursor/],
      [`cursor=${encoded(`1893456000000|${newId()}|x`)}`, /`cursor` is not a sessions cursor/],
      [`cursor=${'A'.repeat(201)}`, /cursor/],
    ];
    for (const [query, message] of cases) {
      const response = await sessions(query);
      expectError(response, 400, 'VALIDATION_ERROR');
      expect(response.body.error, query).toMatch(message);
    }
    expect((await sessions(`cursor=${cursor}`)).status).toBe(200);
    expect((await sessions(`cursor=${cursor}&limit=2`)).status).toBe(200);
    // An upper-case id positions the page as the lower-case one (ids are compared as stored).
    const [ms, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    const upper = await sessions(`cursor=${encoded(`${ms}|${id.toUpperCase()}`)}`);
    expect(upper.body).toEqual((await sessions(`cursor=${cursor}`)).body);
  });
});
