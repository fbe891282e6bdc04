import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, defaultFleet } from '../helpers/harness.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { createTestSchema, dropTestSchema, reachable, testDatabaseUrl, testRedisUrl } from '../helpers/stores.ts';

const available = (await reachable(testDatabaseUrl)) && (await reachable(testRedisUrl));
if (!available) console.warn(`multi-instance suite skipped: needs PostgreSQL (${testDatabaseUrl}) and Redis (${testRedisUrl}); set TEST_DATABASE_URL / TEST_REDIS_URL`);

const MESSAGES_PER_MIN = 15;

async function call(base: string, method: string, urlPath: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(base + urlPath, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe.skipIf(!available)('two instances sharing PostgreSQL and Redis', () => {
  let upstream: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let a: ServerProcess;
  let b: ServerProcess;
  let token: string;
  let agents: Record<string, string>;
  let schema: string | undefined;
  let databaseUrl: string;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-multi-'));

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    ({ schema, databaseUrl } = await createTestSchema());
    const fleetFile = path.join(directory, 'fleet.json');
    fs.writeFileSync(fleetFile, JSON.stringify(defaultFleet(upstream.url, anthropic.url)));
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl,
      JWT_SECRET,
      FLEETCHAT_CONFIG: fleetFile,
      FLEETCHAT_ADMIN_EMAIL: ADMIN_EMAIL,
      FLEETCHAT_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_MESSAGES_PER_MIN: String(MESSAGES_PER_MIN),
      RATE_LIMIT_REQUESTS_PER_MIN: '0',
      RATE_LIMIT_LOGIN_PER_15MIN: '0',
    };
    // Both at once: migrations, the first admin and the fleet must survive the race.
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    token = (await call(a.url, 'POST', '/api/auth/login', undefined, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.token;
    const list = await call(b.url, 'GET', '/api/agents?limit=100', token);
    agents = Object.fromEntries(list.body.data.map((agent: { name: string; id: string }) => [agent.name, agent.id]));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a, b].map((instance) => instance?.stop()));
    await upstream?.close();
    await anthropic?.close();
    if (schema) await dropTestSchema(schema);
    fs.rmSync(directory, { recursive: true, force: true });
  }, 30_000);

  it('continues on B a session started on A', async () => {
    const first = await call(a.url, 'POST', '/api/chat/message', token, { message: 'first on A', agentId: agents.Nova });
    expect(first.status).toBe(200);
    const second = await call(b.url, 'POST', '/api/chat/message', token, { message: 'second on B', sessionId: first.body.sessionId });
    expect(second.status).toBe(200);
    expect(second.body.sessionId).toBe(first.body.sessionId);
    expect(second.body.routedBy).toBe('session');
    const prompt = upstream.requests.at(-1)?.body.messages.map((turn: { content: string }) => turn.content);
    expect(prompt).toContain('first on A');
    expect(prompt).toContain(first.body.response);
  });

  it('answers five concurrent sends to one session, split across A and B, strictly in order', async () => {
    const opened = await call(a.url, 'POST', '/api/chat/message', token, { message: 'open', agentId: agents.Aria });
    const sessionId = opened.body.sessionId;
    // Each answer takes ~300 ms, so all five are queued while the first is still answering.
    upstream.setBehavior((request) => ({ kind: 'stream', chunks: ['re:', String(request.body.messages.at(-1).content), ''], chunkDelayMs: 100 }));
    const sends = [0, 1, 2, 3, 4].map(async (index) => {
      // Stagger the arrivals so that "the order received" is well defined across instances.
      await new Promise((resolve) => setTimeout(resolve, index * 50));
      return call(index % 2 === 0 ? a.url : b.url, 'POST', '/api/chat/message', token, { message: `m${index}`, sessionId });
    });
    const answers = await Promise.all(sends);
    upstream.setBehavior((request) => ({ kind: 'stream', chunks: ['Echo: ', String(request.body.messages.at(-1).content)] }));
    for (const answer of answers) expect(answer.status).toBe(200);
    const history = await call(b.url, 'GET', `/api/chat/history?sessionId=${sessionId}&order=asc&limit=200`, token);
    const contents = history.body.data.map((item: { content: string }) => item.content);
    expect(contents.slice(2)).toEqual(['m0', 're:m0', 'm1', 're:m1', 'm2', 're:m2', 'm3', 're:m3', 'm4', 're:m4']);
  });

  it('replays an idempotent request across instances without calling the model again', async () => {
    const key = `key-${Date.now()}`;
    const before = upstream.requests.length;
    const first = await call(a.url, 'POST', '/api/chat/message', token, { message: 'idempotent', agentId: agents.Aria }, { 'idempotency-key': key });
    const replay = await call(b.url, 'POST', '/api/chat/message', token, { message: 'idempotent', agentId: agents.Aria }, { 'idempotency-key': key });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(upstream.requests.length).toBe(before + 1);
  });

  it('stops a stream running on A when B is told to cancel it', async () => {
    upstream.setBehavior(() => ({ kind: 'stream', chunks: Array.from({ length: 200 }, (_, index) => `w${index} `), chunkDelayMs: 20 }));
    const socket = new WebSocket(`${a.url.replace('http', 'ws')}/api/chat/ws?token=${token}`);
    const frames: any[] = [];
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const ended = new Promise<any>((resolve) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        frames.push(frame);
        if (frame.type === 'error' || frame.type === 'done') resolve(frame);
      });
    });
    socket.send(JSON.stringify({ message: 'long one', agentId: agents.Aria, requestId: 'r1' }));
    while (!frames.some((frame) => frame.type === 'chunk')) await new Promise((resolve) => setTimeout(resolve, 10));
    const start = frames.find((frame) => frame.type === 'start');
    const cancel = await call(b.url, 'POST', `/api/chat/messages/${start.messageId}/cancel`, token);
    expect(cancel.status).toBe(200);
    const last = await ended;
    upstream.setBehavior((request) => ({ kind: 'stream', chunks: ['Echo: ', String(request.body.messages.at(-1).content)] }));
    socket.close();
    expect(last.type).toBe('error');
    expect(last.code).toBe('CANCELLED');
    await upstream.waitForClose();
    const history = await call(b.url, 'GET', `/api/chat/history?sessionId=${start.sessionId}&order=asc`, token);
    const answer = history.body.data.find((item: { id: string }) => item.id === start.messageId);
    expect(answer.status).toBe('incomplete');
    expect(answer.content).toBe(frames.filter((frame) => frame.type === 'chunk').map((frame) => frame.delta).join(''));
  });

  it('closes, on A, the sockets of a user deleted through B', async () => {
    const created = await call(a.url, 'POST', '/api/users', token, { email: `gone-${Date.now()}@example.test`, password: 'member-password-123', role: 'member' });
    const memberToken = (await call(a.url, 'POST', '/api/auth/login', undefined, { email: created.body.email, password: 'member-password-123' })).body.token;
    const socket = new WebSocket(`${a.url.replace('http', 'ws')}/api/chat/ws?token=${memberToken}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    expect((await call(b.url, 'DELETE', `/api/users/${created.body.id}`, token)).status).toBe(200);
    expect(await closed).toBe(4401);
    // And the token no longer works on either instance.
    expect((await call(a.url, 'GET', '/api/auth/me', memberToken)).status).toBe(401);
    expect((await call(b.url, 'GET', '/api/auth/me', memberToken)).status).toBe(401);
  });

  it('a password changed through B ends, on A, the sockets and tokens issued before it', async () => {
    const created = await call(a.url, 'POST', '/api/users', token, { email: `changed-${Date.now()}@example.test`, password: 'member-password-123', role: 'member' });
    const memberToken = (await call(a.url, 'POST', '/api/auth/login', undefined, { email: created.body.email, password: 'member-password-123' })).body.token;
    // A's user cache holds the member now: the change must reach it through the bus.
    expect((await call(a.url, 'GET', '/api/auth/me', memberToken)).status).toBe(200);
    const socket = new WebSocket(`${a.url.replace('http', 'ws')}/api/chat/ws?token=${memberToken}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    const changed = await call(b.url, 'POST', '/api/auth/password', memberToken, { currentPassword: 'member-password-123', newPassword: 'changed-on-instance-b' });
    expect(changed.status).toBe(200);
    expect(await closed).toEqual({ code: 4401, reason: 'password changed' });
    expect((await call(a.url, 'GET', '/api/auth/me', memberToken)).status).toBe(401);
    expect((await call(a.url, 'GET', '/api/auth/me', changed.body.token)).status).toBe(200);
  });

  it('shares the message rate limit between instances', async () => {
    const created = await call(a.url, 'POST', '/api/users', token, { email: `limited-${Date.now()}@example.test`, password: 'member-password-123', role: 'member' });
    const member = (await call(b.url, 'POST', '/api/auth/login', undefined, { email: created.body.email, password: 'member-password-123' })).body.token;
    const statuses: number[] = [];
    for (let index = 0; index < MESSAGES_PER_MIN + 1; index += 1) {
      const response = await call(index % 2 === 0 ? a.url : b.url, 'POST', '/api/chat/message', member, { message: `hello ${index}`, agentId: agents.Aria });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, MESSAGES_PER_MIN).every((status) => status === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
