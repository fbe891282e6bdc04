/**
 * The typed client against the real server in process (a fake OpenAI upstream behind it):
 * REST calls, paging iterators and typed errors. Streaming is in stream.test.ts.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetchatClient, FleetchatError, type HistoryItem } from '../../src/client/index.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/harness.ts';

const execFileAsync = promisify(execFile);

let t: TestServer;
let admin: FleetchatClient;

beforeAll(async () => {
  t = await startTestServer();
  admin = new FleetchatClient({ baseUrl: t.baseUrl });
  await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => {
  admin?.close();
  await t?.close();
});

describe('the package entry', () => {
  it('loads on plain Node as fleetchat/client (the bundled JavaScript), logs in and sends a message', async () => {
    const script = `
      import { FleetchatClient } from 'fleetchat/client';
      const client = new FleetchatClient({ baseUrl: process.env.BASE_URL });
      await client.login(process.env.EMAIL, process.env.PASSWORD);
      const answer = await client.sendMessage({ message: 'hello from plain node', agentId: process.env.AGENT_ID });
      console.log(JSON.stringify({ agentName: answer.agentName, response: answer.response }));
      client.close();`;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, NODE_OPTIONS: '', BASE_URL: t.baseUrl, EMAIL: ADMIN_EMAIL, PASSWORD: ADMIN_PASSWORD, AGENT_ID: t.agents.Aria },
    });
    expect(JSON.parse(stdout)).toMatchObject({ agentName: 'Aria', response: expect.stringContaining('hello from plain node') });
  });
});

/** Awaits `promise` and returns the FleetchatError it must reject with. */
async function failure(promise: Promise<unknown>): Promise<FleetchatError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FleetchatError);
  return error as FleetchatError;
}

describe('auth', () => {
  it('login stores the token; me() returns the caller', async () => {
    const client = new FleetchatClient({ baseUrl: `${t.baseUrl}/` });
    const answer = await client.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(answer.user).toMatchObject({ email: ADMIN_EMAIL, role: 'admin' });
    expect(client.token).toBe(answer.token);
    expect(await client.me()).toMatchObject({ id: answer.user.id, email: ADMIN_EMAIL });
  });

  it('changePassword keeps the new token; the old one stops working; a wrong current password is 403', async () => {
    const email = `client-pw-${Date.now()}@example.test`;
    const admin = new FleetchatClient({ baseUrl: t.baseUrl });
    await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await fetch(`${t.baseUrl}/api/users`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'first-password-1' }) })).status).toBe(201);
    const client = new FleetchatClient({ baseUrl: t.baseUrl });
    await client.login(email, 'first-password-1');
    const old = client.token;
    expect(await failure(client.changePassword('not-the-password', 'second-password-2'))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(client.token).toBe(old);
    const answer = await client.changePassword('first-password-1', 'second-password-2');
    expect(answer.user.email).toBe(email);
    expect(client.token).toBe(answer.token);
    expect((await client.me()).email).toBe(email);
    expect(await failure(new FleetchatClient({ baseUrl: t.baseUrl, token: old }).me())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('a wrong password is a FleetchatError 401 UNAUTHORIZED', async () => {
    const client = new FleetchatClient({ baseUrl: t.baseUrl });
    const error = await failure(client.login(ADMIN_EMAIL, 'wrong password'));
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED', name: 'FleetchatError' });
    expect(client.token).toBeUndefined();
  });

  it('no token: 401; a bad token: 401', async () => {
    expect(await failure(new FleetchatClient({ baseUrl: t.baseUrl }).me())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(await failure(new FleetchatClient({ baseUrl: t.baseUrl, token: 'not-a-jwt' }).agents())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('an unreachable server is CONNECTION_ERROR with status 0', async () => {
    const client = new FleetchatClient({ baseUrl: 'http://127.0.0.1:9', token: 'x' });
    expect(await failure(client.me())).toMatchObject({ status: 0, code: 'CONNECTION_ERROR' });
  });

  it('refuses a relative baseUrl at once', () => {
    expect(() => new FleetchatClient({ baseUrl: '/api' })).toThrow(TypeError);
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const client = new FleetchatClient({
      baseUrl: t.baseUrl,
      token: t.adminToken,
      fetch: (input, init) => {
        seen.push(`${init?.method} ${String(input)}`);
        return fetch(input, init);
      },
    });
    await client.agents({ limit: 2 });
    expect(seen).toEqual([`GET ${t.baseUrl}/api/agents?limit=2`]);
  });
});

describe('chat', () => {
  it('sendMessage returns the typed answer; feedback rates it; history shows both', async () => {
    const answer = await admin.sendMessage({ message: 'hello there', agentId: t.agents.Aria });
    expect(answer).toMatchObject({ agentId: t.agents.Aria, agentName: 'Aria', routedBy: 'explicit' });
    expect(answer.response.length).toBeGreaterThan(0);
    expect(answer.outputTokens).toBeGreaterThan(0);

    const rated = await admin.feedback({ messageId: answer.messageId, rating: 4, comment: 'useful' });
    expect(rated).toMatchObject({ ok: true, feedback: { messageId: answer.messageId, rating: 4, comment: 'useful' } });

    const page = await admin.history({ sessionId: answer.sessionId, order: 'asc' });
    expect(page.data.map((item) => item.role)).toEqual(['user', 'assistant']);
    expect(page.data[1]).toMatchObject({ id: answer.messageId, status: 'complete', feedback: { rating: 4, comment: 'useful' } });
  });

  it('routes when agentId is left out, and explains it on request', async () => {
    const answer = await admin.sendMessage({ message: 'Summarize competitor pricing moves', explainRouting: true });
    expect(answer.agentName).toBe('Nova');
    expect(answer.routedBy).toBe('relevance');
    expect(answer.routing?.candidates.length).toBeGreaterThan(0);
  });

  it('route() previews the decision without sending: same agent and candidates, nothing stored', async () => {
    const message = 'Which rival launched a cheaper plan this month?';
    const before = (await admin.history({ limit: 1 })).pagination.total;
    const decision = await admin.route({ message });
    expect(decision).toMatchObject({ agentName: 'Nova', routedBy: 'relevance' });
    expect((await admin.history({ limit: 1 })).pagination.total).toBe(before);
    const answer = await admin.sendMessage({ message, explainRouting: true });
    expect(answer.routing).toEqual(decision.routing);
    await expect(admin.route({ message: ' ' })).rejects.toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
  });

  it('an idempotency key replays the first answer', async () => {
    const input = { message: 'once only', agentId: t.agents.Aria, idempotencyKey: `key-${Date.now()}` };
    const first = await admin.sendMessage(input);
    const again = await admin.sendMessage(input);
    expect(again.messageId).toBe(first.messageId);
  });

  it('historyPages and iterateHistory walk every page in order, fetching lazily', async () => {
    const first = await admin.sendMessage({ message: 'turn 1', agentId: t.agents.Ledger });
    for (let turn = 2; turn <= 4; turn++) await admin.sendMessage({ message: `turn ${turn}`, sessionId: first.sessionId });
    const query = { sessionId: first.sessionId, limit: 3, order: 'asc' as const };

    const pages = [];
    const urls: string[] = [];
    const watching = new FleetchatClient({ baseUrl: t.baseUrl, token: admin.token, fetch: (input, init) => (urls.push(String(input)), fetch(input, init)) });
    for await (const page of watching.historyPages(query)) pages.push(page);
    expect(pages.map((page) => page.data.length)).toEqual([3, 3, 2]);
    // The first page as asked; the next ones continue from the previous page's nextCursor.
    expect(urls.map((url) => new URL(url).searchParams.get('after'))).toEqual([null, pages[0].data[2].id, pages[1].data[2].id]);
    expect(urls.every((url) => !new URL(url).searchParams.has('offset'))).toBe(true);
    expect(pages.map((page) => page.pagination.nextCursor)).toEqual([pages[0].data[2].id, pages[1].data[2].id, null]);
    expect(pages.at(-1)?.pagination.hasMore).toBe(false);

    const items: HistoryItem[] = [];
    for await (const item of admin.iterateHistory(query)) items.push(item);
    expect(items.filter((item) => item.role === 'user').map((item) => item.content)).toEqual(['turn 1', 'turn 2', 'turn 3', 'turn 4']);
    expect(new Set(items.map((item) => item.id)).size).toBe(8);

    // Breaking out early stops fetching: one request for the first page only.
    let requests = 0;
    const counting = new FleetchatClient({ baseUrl: t.baseUrl, token: admin.token, fetch: (input, init) => (requests++, fetch(input, init)) });
    for await (const item of counting.iterateHistory(query)) {
      expect(item.role).toBe('user');
      break;
    }
    expect(requests).toBe(1);
  });

  it('historyPages newest first: a message arriving mid-walk neither repeats nor shifts; without nextCursor it walks by offset', async () => {
    const first = await admin.sendMessage({ message: 'walk 1', agentId: t.agents.Nova });
    for (let turn = 2; turn <= 3; turn++) await admin.sendMessage({ message: `walk ${turn}`, sessionId: first.sessionId });
    const query = { sessionId: first.sessionId, limit: 2 };
    const before = (await admin.history({ ...query, limit: 200 })).data.map((item) => item.id);

    const seen: string[] = [];
    for await (const page of admin.historyPages(query)) {
      seen.push(...page.data.map((item) => item.id));
      if (seen.length === 2) await admin.sendMessage({ message: 'walk 4', sessionId: first.sessionId });
    }
    expect(seen).toEqual(before);

    // A server that knows nothing of cursors (no nextCursor): the pages go by offset, as before.
    const urls: string[] = [];
    const legacy = new FleetchatClient({
      baseUrl: t.baseUrl,
      token: admin.token,
      fetch: async (input, init) => {
        urls.push(String(input));
        const response = await fetch(input, init);
        const body = await response.json();
        delete body.pagination.nextCursor;
        return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
      },
    });
    const offsets: number[] = [];
    for await (const page of legacy.historyPages({ ...query, order: 'asc' })) offsets.push(page.pagination.offset);
    expect(offsets).toEqual([0, 2, 4, 6]);
    expect(urls.some((url) => new URL(url).searchParams.has('after'))).toBe(false);
  });

  it('sessions lists the caller\'s; admins see the workspace\'s with all: true', async () => {
    const member = await t.member();
    const memberClient = new FleetchatClient({ baseUrl: t.baseUrl, token: member.token });
    const answer = await memberClient.sendMessage({ message: 'member question', agentId: t.agents.Aria });
    const own = await memberClient.sessions();
    expect(own.data.map((session) => session.id)).toEqual([answer.sessionId]);
    expect(own.data[0]).toMatchObject({ agentId: t.agents.Aria, userId: member.id });

    const adminOwn = await admin.sessions({ limit: 200 });
    expect(adminOwn.data.map((session) => session.id)).not.toContain(answer.sessionId);
    const everyone = [];
    for await (const page of admin.sessionPages({ all: true, limit: 2 })) everyone.push(...page.data);
    expect(everyone.map((session) => session.id)).toContain(answer.sessionId);
    expect(everyone.map((session) => session.id)).toEqual((await admin.sessions({ all: true, limit: 200 })).data.map((session) => session.id));
  });

  it('sessionPages continues from nextCursor: a session active mid-walk is not listed twice; without nextCursor it walks by offset', async () => {
    const member = await t.member();
    const client = new FleetchatClient({ baseUrl: t.baseUrl, token: member.token });
    for (let index = 0; index < 5; index += 1) await client.sendMessage({ message: `session ${index}`, agentId: t.agents.Aria });
    const before = (await client.sessions({ limit: 200 })).data.map((session) => session.id);

    const urls: string[] = [];
    const watching = new FleetchatClient({ baseUrl: t.baseUrl, token: member.token, fetch: (input, init) => (urls.push(String(input)), fetch(input, init)) });
    const pages = [];
    for await (const page of watching.sessionPages({ limit: 2 })) {
      pages.push(page);
      // The oldest session, not listed yet, gets an answer and moves to the top.
      if (pages.length === 1) await client.sendMessage({ message: 'again', sessionId: before[4] });
    }
    expect(pages.flatMap((page) => page.data.map((session) => session.id))).toEqual(before.slice(0, 4));
    // The first page as asked; the next ones from the previous page's nextCursor, never an offset.
    expect(urls.map((url) => new URL(url).searchParams.get('cursor'))).toEqual([null, pages[0].pagination.nextCursor]);
    expect(urls.every((url) => !new URL(url).searchParams.has('offset'))).toBe(true);
    expect(pages.map((page) => page.pagination.offset)).toEqual([0, 0]);
    expect(pages.at(-1)?.pagination).toMatchObject({ hasMore: false, nextCursor: null });

    // A server that knows nothing of cursors (no nextCursor): the pages go by offset, as before.
    const legacy = new FleetchatClient({
      baseUrl: t.baseUrl,
      token: member.token,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const body = await response.json();
        delete body.pagination.nextCursor;
        return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
      },
    });
    const offsets: number[] = [];
    for await (const page of legacy.sessionPages({ limit: 2 })) offsets.push(page.pagination.offset);
    expect(offsets).toEqual([0, 2, 4]);
  });

  it('typed errors: 400 with details, 404 with its code', async () => {
    const invalid = await failure(admin.feedback({ messageId: '00000000-0000-7000-8000-000000000000', rating: 9 }));
    expect(invalid).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    const missing = await failure(admin.feedback({ messageId: '00000000-0000-7000-8000-000000000000', rating: 3 }));
    expect(missing).toMatchObject({ status: 404, code: 'MESSAGE_NOT_FOUND' });
    const badLimit = await failure(admin.history({ limit: 500 }));
    expect(badLimit).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    const notRunning = await failure(admin.cancel('00000000-0000-7000-8000-000000000000'));
    expect(notRunning.status).toBe(404);
  });
});

describe('agents', () => {
  it('agents() pages the fleet; agent(id) reads one; an unknown id is 404 AGENT_NOT_FOUND', async () => {
    const page = await admin.agents({ limit: 100 });
    expect(page.data.map((agent) => agent.name).sort()).toEqual(['Aria', 'Ledger', 'Nova']);
    const aria = await admin.agent(t.agents.Aria);
    expect(aria).toMatchObject({ name: 'Aria', role: 'General assistant', status: 'online', isDefault: true });
    expect(typeof aria.tokensTodayInput).toBe('number');
    const error = await failure(admin.agent('00000000-0000-7000-8000-000000000000'));
    expect(error).toMatchObject({ status: 404, code: 'AGENT_NOT_FOUND' });
  });

  it('agentStats reports feedback and usage (admin); a member gets 403', async () => {
    const answer = await admin.sendMessage({ message: 'rate me', agentId: t.agents.Nova });
    await admin.feedback({ messageId: answer.messageId, rating: 5 });
    const stats = await admin.agentStats(t.agents.Nova, { from: new Date(Date.now() - 60_000) });
    expect(stats.agentId).toBe(t.agents.Nova);
    expect(stats.messages).toBeGreaterThanOrEqual(1);
    expect(stats.feedback.count).toBeGreaterThanOrEqual(1);
    expect(stats.feedback.distribution['5']).toBeGreaterThanOrEqual(1);
    expect(stats.tokens.output).toBeGreaterThan(0);
    expect(stats.latencyMs.p50).not.toBeNull();

    const member = await t.member();
    const error = await failure(new FleetchatClient({ baseUrl: t.baseUrl, token: member.token }).agentStats(t.agents.Nova));
    expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('createAgent, updateAgent and archiveAgent manage an agent (admins); a name taken is 409', async () => {
    const created = await admin.createAgent({
      name: 'Quill',
      role: 'Copywriter',
      description: 'Writes product copy and release notes.',
      config: { model: { default: 'upstream/gpt-test' }, routing: { examples: ['write the release notes for version 2'] }, limits: { dailyTokenBudget: 5000 } },
    });
    expect(created).toMatchObject({ name: 'Quill', role: 'Copywriter', status: 'online', source: 'api', isDefault: false });
    expect(created.config).toEqual({ model: { default: 'upstream/gpt-test', fallbacks: [] }, routing: { examples: ['write the release notes for version 2'], keywords: [] }, session: expect.any(Object), limits: { dailyTokenBudget: 5000, monthlyTokenBudget: null } });
    expect(await failure(admin.createAgent({ name: 'quill', config: { model: { default: 'upstream/gpt-test' } } }))).toMatchObject({ status: 409, code: 'CONFLICT' });

    const updated = await admin.updateAgent(created.id, { status: 'offline', config: { limits: { dailyTokenBudget: null } } });
    expect(updated).toMatchObject({ id: created.id, status: 'offline', config: { model: { default: 'upstream/gpt-test' }, limits: { dailyTokenBudget: null } } });
    expect((await admin.agent(created.id)).status).toBe('offline');

    const archived = await admin.archiveAgent(created.id);
    expect(archived.status).toBe('archived');
    const member = await t.member();
    expect(await failure(new FleetchatClient({ baseUrl: t.baseUrl, token: member.token }).createAgent({ name: 'Nope', config: { model: { default: 'upstream/gpt-test' } } }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('users', () => {
  it('createUser, users, setUserRole, setUserPassword and deleteUser (admins)', async () => {
    const email = `client-users-${Date.now()}@example.test`;
    const user = await admin.createUser({ email, password: 'first-password-1' });
    expect(user).toMatchObject({ email, role: 'member' });
    const all = await admin.users({ limit: 100 });
    expect(all.data.map((listed) => listed.id)).toContain(user.id);
    expect(all.pagination.total).toBe(all.data.length);

    const own = new FleetchatClient({ baseUrl: t.baseUrl });
    await own.login(email, 'first-password-1');
    expect((await admin.setUserRole(user.id, 'admin')).role).toBe('admin');
    expect((await own.me()).role).toBe('admin');

    expect(await admin.setUserPassword(user.id, 'set-by-the-admin-2')).toEqual({ ok: true });
    expect(await failure(own.me())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    await own.login(email, 'set-by-the-admin-2');
    expect(await admin.deleteUser(user.id)).toEqual({ ok: true });
    expect(await failure(own.me())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(await failure(admin.deleteUser(user.id))).toMatchObject({ status: 404, code: 'USER_NOT_FOUND' });
    expect(await failure(own.users())).toMatchObject({ status: 401 });
  });
});
