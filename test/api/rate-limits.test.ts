import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send } from './support.ts';

let t: TestServer;
let unlimited: TestServer;

beforeAll(async () => {
  [t, unlimited] = await Promise.all([
    startTestServer({ env: { RATE_LIMIT_REQUESTS_PER_MIN: '8', RATE_LIMIT_MESSAGES_PER_MIN: '2', RATE_LIMIT_LOGIN_PER_15MIN: '3' } }),
    // The harness default: every limit 0, that is off.
    startTestServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.close(), unlimited?.close()]);
});

/** A fresh member with a token issued directly, so that no request or login is spent on it. */
async function freshMember(server: TestServer) {
  const { auth } = server.server.services;
  const workspaceId = (await server.request('GET', '/api/auth/me', { token: server.adminToken })).body.user.workspaceId;
  const user = await auth.createUser({ workspaceId, email: `rl-${Math.random().toString(36).slice(2)}@example.test`, password: 'member-password-123', role: 'member' });
  return { id: user.id, token: await auth.issueToken(user) };
}

describe('per-user request limit', () => {
  it('sends x-ratelimit headers, then 429 RATE_LIMITED with Retry-After', async () => {
    const user = await freshMember(t);
    for (let index = 0; index < 8; index += 1) {
      const response = await t.request('GET', '/api/auth/me', { token: user.token });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('8');
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(7 - index));
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
    }
    const refused = await t.request('GET', '/api/auth/me', { token: user.token });
    expectError(refused, 429, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('is per user: another user is not affected', async () => {
    const first = await freshMember(t);
    for (let index = 0; index < 9; index += 1) await t.request('GET', '/api/agents', { token: first.token });
    expect((await t.request('GET', '/api/agents', { token: first.token })).status).toBe(429);
    const second = await freshMember(t);
    expect((await t.request('GET', '/api/agents', { token: second.token })).status).toBe(200);
  });

  it('health, metrics and docs are not limited', async () => {
    for (let index = 0; index < 12; index += 1) {
      expect((await t.request('GET', '/api/health')).status).toBe(200);
    }
    expect((await t.request('GET', '/metrics')).status).toBe(200);
  });
});

describe('per-user message limit', () => {
  it('counts messages, with Retry-After, and does not call the model when refused', async () => {
    const user = await freshMember(t);
    expect((await send(t, { message: 'one', agentId: t.agents.Aria }, { token: user.token })).status).toBe(200);
    expect((await send(t, { message: 'two', agentId: t.agents.Aria }, { token: user.token })).status).toBe(200);
    const calls = t.upstream.requests.length;
    const refused = await send(t, { message: 'three', agentId: t.agents.Aria }, { token: user.token });
    expectError(refused, 429, 'RATE_LIMITED');
    expect(refused.body.error).toMatch(/message/i);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The headers describe the limit that refused (2 messages a minute), not the request limit.
    expect(refused.headers.get('x-ratelimit-limit')).toBe('2');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset')).toBe(refused.headers.get('retry-after'));
    expect(t.upstream.requests.length).toBe(calls);
    // Reading is still allowed: only messages are at their limit.
    expect((await t.request('GET', '/api/chat/history', { token: user.token })).status).toBe(200);
  });

  it('idempotent replays do not count against it', async () => {
    const user = await freshMember(t);
    const headers = { 'idempotency-key': `rl-${Date.now()}` };
    const first = await send(t, { message: 'once', agentId: t.agents.Aria }, { token: user.token, headers });
    expect(first.status).toBe(200);
    for (let index = 0; index < 2; index += 1) {
      const replay = await send(t, { message: 'once', agentId: t.agents.Aria }, { token: user.token, headers });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(first.body);
    }
    expect((await send(t, { message: 'second real one', agentId: t.agents.Aria }, { token: user.token })).status).toBe(200);
    expectError(await send(t, { message: 'third real one', agentId: t.agents.Aria }, { token: user.token }), 429, 'RATE_LIMITED');
  });
});

describe('login limit per IP', () => {
  it('refuses further logins from the address with 429 and Retry-After, even with the right password', async () => {
    // The harness already logged in once from 127.0.0.1.
    expectError(await t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: 'wrong password' } }), 401, 'UNAUTHORIZED');
    expectError(await t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: 'wrong password' } }), 401, 'UNAUTHORIZED');
    const refused = await t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    expectError(refused, 429, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(retryAfter));
    // Tokens already issued keep working.
    expect((await t.request('GET', '/api/agents', { token: (await freshMember(t)).token })).status).toBe(200);
  });
});

describe('0 turns a limit off', () => {
  it('no request, message or login limit, and no rate-limit headers', async () => {
    const user = await freshMember(unlimited);
    for (let index = 0; index < 15; index += 1) {
      const response = await unlimited.request('GET', '/api/auth/me', { token: user.token });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    }
    for (let index = 0; index < 5; index += 1) {
      expect((await send(unlimited, { message: `m${index}`, agentId: unlimited.agents.Aria }, { token: user.token })).status).toBe(200);
    }
    // More than the default of 10 logins per 15 minutes.
    const logins = await Promise.all(Array.from({ length: 11 }, () => unlimited.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: 'wrong password' } })));
    expect(logins.map((response) => response.status)).toEqual(Array(11).fill(401));
  });
});
