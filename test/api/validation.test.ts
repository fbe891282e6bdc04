import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send } from './support.ts';

let t: TestServer;
let answer: any;

beforeAll(async () => {
  t = await startTestServer({ env: { MAX_MESSAGE_CHARS: '1000' } });
  answer = (await send(t, { message: 'a first message', agentId: t.agents.Aria })).body;
});
afterAll(async () => {
  await t?.close();
});

/** Asserts a 400 VALIDATION_ERROR and that the model was not called for it. */
async function expectInvalid(request: Promise<{ status: number; body: any; headers: Headers }>, code = 'VALIDATION_ERROR', status = 400) {
  const calls = t.upstream.requests.length;
  const response = await request;
  expectError(response, status, code);
  expect(t.upstream.requests.length).toBe(calls);
  return response;
}

const raw = (method: string, path: string, body: string, headers: Record<string, string> = {}) => t.request(method, path, { token: t.adminToken, raw: body, headers });

describe('POST /api/chat/message body', () => {
  it('refuses a missing, empty or blank message', async () => {
    await expectInvalid(send(t, {}));
    await expectInvalid(send(t, { message: '' }));
    await expectInvalid(send(t, { message: '   \n\t  ' }));
    await expectInvalid(send(t, { message: '\u00a0\u2003' }));
  });

  it('refuses a message over MAX_MESSAGE_CHARS, counted in characters', async () => {
    await expectInvalid(send(t, { message: 'x'.repeat(1001) }));
    const response = await send(t, { message: 'x'.repeat(1000), agentId: t.agents.Aria });
    expect(response.status).toBe(200);
    // 1000 emoji are 2000 UTF-16 units but 1000 characters: accepted.
    const emoji = await send(t, { message: '😀'.repeat(1000), agentId: t.agents.Aria });
    expect(emoji.status).toBe(200);
    await expectInvalid(send(t, { message: '😀'.repeat(1001) }));
  });

  it('refuses wrong types without coercion', async () => {
    await expectInvalid(send(t, { message: 5 }));
    await expectInvalid(send(t, { message: null }));
    await expectInvalid(send(t, { message: ['hi'] }));
    await expectInvalid(send(t, { message: { text: 'hi' } }));
    await expectInvalid(send(t, { message: true }));
    await expectInvalid(send(t, { message: 'hi', agentId: 12 }));
    await expectInvalid(send(t, { message: 'hi', agentId: 'not-a-uuid' }));
    await expectInvalid(send(t, { message: 'hi', sessionId: 'nope' }));
    await expectInvalid(send(t, { message: 'hi', agentId: null }));
    await expectInvalid(send(t, { message: 'hi', explainRouting: 'true' }));
  });

  it('refuses unknown fields, including identity fields', async () => {
    const response = await expectInvalid(send(t, { message: 'hi', extra: 1 }));
    expect(response.body.error).toContain('extra');
    expect(Array.isArray(response.body.details)).toBe(true);
    await expectInvalid(send(t, { message: 'hi', userId: '0190a000-0000-7000-8000-000000000000' }));
    await expectInvalid(send(t, { message: 'hi', workspaceId: '0190a000-0000-7000-8000-000000000000' }));
    await expectInvalid(send(t, { message: 'hi', role: 'admin' }));
  });

  it('refuses __proto__ and constructor.prototype keys', async () => {
    await expectInvalid(raw('POST', '/api/chat/message', '{"message":"hi","__proto__":{"admin":true}}'));
    await expectInvalid(raw('POST', '/api/chat/message', '{"message":"hi","constructor":{"prototype":{"admin":true}}}'));
    await expectInvalid(raw('POST', '/api/chat/message', '{"__proto__":{"message":"hi"}}'));
    await expectInvalid(raw('POST', '/api/chat/feedback', `{"messageId":"${answer.messageId}","rating":5,"__proto__":{"x":1}}`));
    expect(({} as any).admin).toBeUndefined();
  });

  it('refuses NUL characters and lone surrogates', async () => {
    await expectInvalid(send(t, { message: 'hi\u0000there' }));
    await expectInvalid(raw('POST', '/api/chat/message', '{"message":"hi \\ud800 there"}'));
  });

  it('refuses a body that is not a JSON object', async () => {
    await expectInvalid(raw('POST', '/api/chat/message', '[]'));
    await expectInvalid(raw('POST', '/api/chat/message', 'null'));
    await expectInvalid(raw('POST', '/api/chat/message', '"hi"'));
    await expectInvalid(raw('POST', '/api/chat/message', '42'));
  });

  it('refuses malformed JSON and an empty body', async () => {
    await expectInvalid(raw('POST', '/api/chat/message', '{"message": "hi"'));
    await expectInvalid(raw('POST', '/api/chat/message', "{'message': 'hi'}"));
    await expectInvalid(raw('POST', '/api/chat/message', '{"message":"hi",}'));
    const empty = await expectInvalid(raw('POST', '/api/chat/message', ''));
    expect(empty.body.error).toBe('The body is empty; send a JSON object.');
    expectError(await raw('POST', '/api/chat/feedback', ''), 400, 'VALIDATION_ERROR');
  });

  it('takes an empty JSON body as no body on routes that take none (clients that always send the header)', async () => {
    // Cancel: the answer ended long ago, so the route itself answers, not the body parser.
    expectError(await raw('POST', `/api/chat/messages/${answer.messageId}/cancel`, ''), 409, 'NOT_IN_PROGRESS');
    const member = await t.member();
    const deleted = await raw('DELETE', `/api/users/${member.id}`, '');
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body).toEqual({ ok: true });
    // Malformed JSON is still refused there.
    expectError(await raw('POST', `/api/chat/messages/${answer.messageId}/cancel`, '{"a":'), 400, 'VALIDATION_ERROR');
  });

  it('refuses another content type with 415 (or 400), as JSON', async () => {
    const calls = t.upstream.requests.length;
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await raw('POST', '/api/chat/message', 'message=hi', { 'content-type': contentType });
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect(t.upstream.requests.length).toBe(calls);
  });

  it('refuses an oversized body with 413', async () => {
    // The body limit is at least 1 MiB; send 2 MiB.
    const response = await raw('POST', '/api/chat/message', JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) }));
    expectError(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses an invalid Idempotency-Key', async () => {
    await expectInvalid(send(t, { message: 'hi' }, { headers: { 'idempotency-key': 'has space' } }));
    await expectInvalid(send(t, { message: 'hi' }, { headers: { 'idempotency-key': 'k'.repeat(256) } }));
  });
});

describe('GET /api/chat/history query', () => {
  const history = (query: string) => t.request('GET', `/api/chat/history?${query}`, { token: t.adminToken });

  it('limit must be an integer from 1 to 200', async () => {
    for (const limit of ['0', '201', 'abc', '-1', '2.5', '', '1e2x']) await expectInvalid(history(`limit=${limit}`));
    expect((await history('limit=1')).status).toBe(200);
    expect((await history('limit=200')).status).toBe(200);
  });

  it('offset must be an integer >= 0', async () => {
    for (const offset of ['-1', 'abc', '1.5']) await expectInvalid(history(`offset=${offset}`));
    expect((await history('offset=0')).status).toBe(200);
  });

  it('integers in a query string are decimal digits, on every listing (no 1e2, 0x10, Infinity or 20 digits)', async () => {
    const listings = ['/api/chat/history', '/api/chat/sessions', '/api/agents', '/api/users'];
    for (const path of listings) {
      for (const value of ['1e2', '0x10', 'Infinity', '1e400', '99999999999999999999', '5.0', '+5', ' 5']) {
        for (const name of ['limit', 'offset']) await expectInvalid(t.request('GET', `${path}?${name}=${encodeURIComponent(value)}`, { token: t.adminToken }));
      }
      const page = await t.request('GET', `${path}?limit=010&offset=0`, { token: t.adminToken });
      expect(page.status, path).toBe(200);
      expect(page.body.pagination).toMatchObject({ limit: 10, offset: 0 });
    }
  });

  it('order is asc or desc; ids are UUIDs; unknown parameters are refused', async () => {
    await expectInvalid(history('order=sideways'));
    await expectInvalid(history('sessionId=123'));
    await expectInvalid(history('agentId=abc'));
    await expectInvalid(history('userId=0190a000-0000-7000-8000-000000000000'));
    await expectInvalid(history('foo=bar'));
  });
});

describe('POST /api/chat/feedback body', () => {
  const rate = (body: Record<string, unknown>) => t.request('POST', '/api/chat/feedback', { token: t.adminToken, body });

  it('rating must be an integer from 1 to 5, never a string', async () => {
    for (const rating of [0, 6, 2.5, '5', null, true, -1]) await expectInvalid(rate({ messageId: answer.messageId, rating }));
    await expectInvalid(rate({ messageId: answer.messageId }));
    for (const rating of [1, 5]) expect((await rate({ messageId: answer.messageId, rating })).status).toBe(200);
  });

  it('comment is at most 2000 characters and a string', async () => {
    await expectInvalid(rate({ messageId: answer.messageId, rating: 3, comment: 'c'.repeat(2001) }));
    await expectInvalid(rate({ messageId: answer.messageId, rating: 3, comment: 7 }));
    expect((await rate({ messageId: answer.messageId, rating: 3, comment: 'c'.repeat(2000) })).status).toBe(200);
  });

  it('messageId must be a UUID; unknown fields are refused', async () => {
    await expectInvalid(rate({ messageId: 'abc', rating: 3 }));
    await expectInvalid(rate({ rating: 3 }));
    await expectInvalid(rate({ messageId: answer.messageId, rating: 3, userId: answer.agentId }));
  });
});

describe('other bodies', () => {
  it('users: email format, password length, role values', async () => {
    const create = (body: Record<string, unknown>) => t.request('POST', '/api/users', { token: t.adminToken, body });
    await expectInvalid(create({ email: 'not-an-email', password: 'long-enough-password' }));
    await expectInvalid(create({ email: 'short@example.test', password: 'elevenchars' }));
    await expectInvalid(create({ email: 'role@example.test', password: 'long-enough-password', role: 'owner' }));
    await expectInvalid(create({ email: 'extra@example.test', password: 'long-enough-password', workspaceId: answer.agentId }));
  });

  it('agents: required config, model names, budgets, unknown fields', async () => {
    const create = (body: Record<string, unknown>) => t.request('POST', '/api/agents', { token: t.adminToken, body });
    const model = { model: { default: 'upstream/gpt-test' } };
    await expectInvalid(create({ name: 'NoConfig' }));
    await expectInvalid(create({ name: '', config: model }));
    await expectInvalid(create({ name: '   ', config: model }));
    await expectInvalid(create({ name: 'x'.repeat(101), config: model }));
    await expectInvalid(create({ name: 'BadModel', config: { model: { default: 'no-slash' } } }));
    await expectInvalid(create({ name: 'UnknownProvider', config: { model: { default: 'nowhere/gpt' } } }));
    await expectInvalid(create({ name: 'BadBudget', config: { ...model, limits: { dailyTokenBudget: 0 } } }));
    await expectInvalid(create({ name: 'BadBudget', config: { ...model, limits: { dailyTokenBudget: '100' } } }));
    await expectInvalid(create({ name: 'Extra', config: model, owner: 'me' }));
    await expectInvalid(create({ name: 'Extra', config: { ...model, temperature: 2 } }));
    await expectInvalid(create({ name: 'Archived', config: model, status: 'archived' }));
    await expectInvalid(t.request('PATCH', `/api/agents/${t.agents.Ledger}`, { token: t.adminToken, body: {} }));
    await expectInvalid(t.request('GET', '/api/agents?limit=101', { token: t.adminToken }));
    await expectInvalid(t.request('GET', '/api/agents?status=sleeping', { token: t.adminToken }));
    await expectInvalid(t.request('GET', '/api/agents/not-a-uuid', { token: t.adminToken }));
  });
});
