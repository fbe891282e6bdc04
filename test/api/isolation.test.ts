import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, foreignWorkspace, send } from './support.ts';

let t: TestServer;
let alice: { token: string; id: string };
let bob: { token: string; id: string };
let aliceAnswer: any;
let other: Awaited<ReturnType<typeof foreignWorkspace>>;
let otherAnswer: any;

beforeAll(async () => {
  t = await startTestServer();
  [alice, bob] = await Promise.all([t.member(), t.member()]);
  other = await foreignWorkspace(t);
  aliceAnswer = (await send(t, { message: 'alice private question', agentId: t.agents.Aria }, { token: alice.token })).body;
  otherAnswer = (await send(t, { message: 'other workspace secret', agentId: other.agentId }, { token: other.memberToken })).body;
  expect(aliceAnswer.sessionId).toBeDefined();
  expect(otherAnswer.sessionId).toBeDefined();
});
afterAll(async () => {
  await t?.close();
});

describe('another member of the same workspace', () => {
  it('cannot read the session: the filter matches nothing', async () => {
    const response = await t.request('GET', `/api/chat/history?sessionId=${aliceAnswer.sessionId}`, { token: bob.token });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([]);
    expect(response.body.pagination.total).toBe(0);
    const all = await t.request('GET', '/api/chat/history', { token: bob.token });
    expect(JSON.stringify(all.body)).not.toContain('alice private question');
  });

  it('cannot continue it: 404', async () => {
    const calls = t.upstream.requests.length;
    expectError(await send(t, { message: 'hijack', sessionId: aliceAnswer.sessionId }, { token: bob.token }), 404, 'SESSION_NOT_FOUND');
    expectError(await send(t, { message: 'hijack', sessionId: aliceAnswer.sessionId, agentId: t.agents.Aria }, { token: bob.token }), 404, 'SESSION_NOT_FOUND');
    // 404 even with another agent: the mismatch must not reveal that the session exists.
    expectError(await send(t, { message: 'hijack', sessionId: aliceAnswer.sessionId, agentId: t.agents.Nova }, { token: bob.token }), 404, 'SESSION_NOT_FOUND');
    expect(t.upstream.requests.length).toBe(calls);
    const history = await t.request('GET', `/api/chat/history?sessionId=${aliceAnswer.sessionId}`, { token: alice.token });
    expect(history.body.data).toHaveLength(2);
  });

  it('cannot rate its answers: 404', async () => {
    expectError(await t.request('POST', '/api/chat/feedback', { token: bob.token, body: { messageId: aliceAnswer.messageId, rating: 1 } }), 404, 'MESSAGE_NOT_FOUND');
    expectError(await t.request('POST', '/api/chat/feedback', { token: bob.token, body: { messageId: aliceAnswer.userMessageId, rating: 1 } }), 404, 'MESSAGE_NOT_FOUND');
  });

  it('cannot cancel its answers: 404', async () => {
    expectError(await t.request('POST', `/api/chat/messages/${aliceAnswer.messageId}/cancel`, { token: bob.token }), 404);
  });

  it('gets the same 404 for a foreign session as for one that does not exist', async () => {
    const foreign = await send(t, { message: 'x', sessionId: aliceAnswer.sessionId }, { token: bob.token });
    const unknown = await send(t, { message: 'x', sessionId: '0190a000-0000-7000-8000-000000000000' }, { token: bob.token });
    expect(foreign.status).toBe(unknown.status);
    expect(foreign.body).toEqual(unknown.body);
  });
});

describe('an admin of the same workspace', () => {
  it('reads every session of the workspace', async () => {
    const response = await t.request('GET', `/api/chat/history?sessionId=${aliceAnswer.sessionId}`, { token: t.adminToken });
    expect(response.body.data.map((item: any) => item.content)).toContain('alice private question');
  });

  it('does not continue or rate a member\'s session (owner only)', async () => {
    expectError(await send(t, { message: 'admin speaking', sessionId: aliceAnswer.sessionId }), 404, 'SESSION_NOT_FOUND');
    expectError(await t.request('POST', '/api/chat/feedback', { token: t.adminToken, body: { messageId: aliceAnswer.messageId, rating: 2 } }), 404, 'MESSAGE_NOT_FOUND');
  });

  it('members do not see the admin\'s messages', async () => {
    const adminAnswer = await send(t, { message: 'admin only topic', agentId: t.agents.Aria });
    expect(adminAnswer.status).toBe(200);
    const response = await t.request('GET', '/api/chat/history?limit=200', { token: alice.token });
    expect(response.body.data.every((item: any) => item.sessionId === aliceAnswer.sessionId)).toBe(true);
  });
});

describe('another workspace', () => {
  it('does not see, read, change or archive our agents', async () => {
    for (const token of [other.adminToken, other.memberToken]) {
      const list = await t.request('GET', '/api/agents?limit=100', { token });
      expect(list.body.data.map((agent: any) => agent.id)).toEqual([other.agentId]);
      expectError(await t.request('GET', `/api/agents/${t.agents.Nova}`, { token }), 404, 'AGENT_NOT_FOUND');
    }
    expectError(await t.request('PATCH', `/api/agents/${t.agents.Nova}`, { token: other.adminToken, body: { role: 'pwned' } }), 404, 'AGENT_NOT_FOUND');
    expectError(await t.request('DELETE', `/api/agents/${t.agents.Nova}`, { token: other.adminToken }), 404, 'AGENT_NOT_FOUND');
    expectError(await t.request('GET', `/api/agents/${t.agents.Nova}/stats`, { token: other.adminToken }), 404, 'AGENT_NOT_FOUND');
    const nova = await t.request('GET', `/api/agents/${t.agents.Nova}`, { token: t.adminToken });
    expect(nova.body.status).toBe('online');
    expect(nova.body.role).toBe('Research Analyst');
  });

  it('cannot send messages to our agents or sessions', async () => {
    const calls = t.upstream.requests.length;
    expectError(await send(t, { message: 'hello', agentId: t.agents.Nova }, { token: other.adminToken }), 404, 'AGENT_NOT_FOUND');
    expectError(await send(t, { message: 'hello', sessionId: aliceAnswer.sessionId }, { token: other.adminToken }), 404, 'SESSION_NOT_FOUND');
    expectError(await send(t, { message: 'hello', sessionId: aliceAnswer.sessionId, agentId: other.agentId }, { token: other.adminToken }), 404, 'SESSION_NOT_FOUND');
    expect(t.upstream.requests.length).toBe(calls);
  });

  it('cannot read or rate our messages', async () => {
    for (const query of [`sessionId=${aliceAnswer.sessionId}`, `agentId=${t.agents.Aria}`, '']) {
      const response = await t.request('GET', `/api/chat/history?${query}`, { token: other.adminToken });
      expect(response.status).toBe(200);
      expect(JSON.stringify(response.body)).not.toContain('alice private question');
    }
    expectError(await t.request('POST', '/api/chat/feedback', { token: other.adminToken, body: { messageId: aliceAnswer.messageId, rating: 1 } }), 404, 'MESSAGE_NOT_FOUND');
    expectError(await t.request('POST', `/api/chat/messages/${aliceAnswer.messageId}/cancel`, { token: other.adminToken }), 404);
  });

  it('cannot list or delete our users', async () => {
    const users = await t.request('GET', '/api/users?limit=100', { token: other.adminToken });
    expect(users.body.data.map((user: any) => user.id).sort()).toEqual([other.adminId, other.memberId].sort());
    expectError(await t.request('DELETE', `/api/users/${alice.id}`, { token: other.adminToken }), 404);
    expect((await t.request('GET', '/api/auth/me', { token: alice.token })).status).toBe(200);
  });

  it('and we cannot touch theirs', async () => {
    expectError(await t.request('GET', `/api/agents/${other.agentId}`, { token: t.adminToken }), 404, 'AGENT_NOT_FOUND');
    expectError(await send(t, { message: 'hello', agentId: other.agentId }), 404, 'AGENT_NOT_FOUND');
    expectError(await send(t, { message: 'hello', sessionId: otherAnswer.sessionId }), 404, 'SESSION_NOT_FOUND');
    const history = await t.request('GET', `/api/chat/history?sessionId=${otherAnswer.sessionId}`, { token: t.adminToken });
    expect(history.body.data).toEqual([]);
    expectError(await t.request('POST', '/api/chat/feedback', { token: t.adminToken, body: { messageId: otherAnswer.messageId, rating: 1 } }), 404, 'MESSAGE_NOT_FOUND');
    expectError(await t.request('DELETE', `/api/users/${other.memberId}`, { token: t.adminToken }), 404);
  });

  it('routing without agentId stays inside the caller\'s workspace', async () => {
    const response = await send(t, { message: 'What did our competitors announce this week about pricing?' }, { token: other.memberToken });
    expect(response.status).toBe(200);
    expect(response.body.agentId).toBe(other.agentId);
  });

  it('agent names are unique per workspace, not globally', async () => {
    // The foreign workspace has its own "Aria"; ours still exists.
    const ours = await t.request('GET', `/api/agents/${t.agents.Aria}`, { token: t.adminToken });
    expect(ours.body.name).toBe('Aria');
    const created = await t.request('POST', '/api/agents', { token: other.adminToken, body: { name: 'Nova', config: { model: { default: 'upstream/gpt-test' } } } });
    expect(created.status).toBe(201);
  });
});
