import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send, sendThenHangUp, sessionHistory, sleep } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

/** Waits until the caller's history shows an answer being streamed, and returns it. */
async function streamingAnswer(token: string) {
  for (let waited = 0; waited < 5000; waited += 20) {
    const history = await t.request('GET', '/api/chat/history?limit=5', { token });
    const item = history.body.data.find((entry: any) => entry.role === 'assistant' && entry.status === 'streaming');
    if (item) return item;
    await sleep(20);
  }
  throw new Error('no answer started streaming');
}

const slow = { kind: 'stream' as const, chunks: ['one ', 'two ', 'three ', 'four ', 'five ', 'six'], chunkDelayMs: 150 };

describe('POST /api/chat/messages/:id/cancel', () => {
  it('stops a running answer: 200, the model call is cut, what was streamed is kept as incomplete', async () => {
    const member = await t.member();
    t.upstream.queueBehaviors(slow);
    const closed = t.upstream.closedConnections;
    const pending = send(t, { message: 'long answer please', agentId: t.agents.Aria }, { token: member.token });
    const running = await streamingAnswer(member.token);
    // Someone else cannot cancel it.
    expectError(await t.request('POST', `/api/chat/messages/${running.id}/cancel`, { token: t.adminToken }), 404);
    const cancelled = await t.request('POST', `/api/chat/messages/${running.id}/cancel`, { token: member.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ ok: true, status: 'incomplete' });
    const response = await pending;
    expect(response.body.code).toBe('CANCELLED');
    expect(response.body.sessionId).toBe(running.sessionId);
    await t.upstream.waitForClose(closed + 1);
    const items = await sessionHistory(t, running.sessionId, member.token);
    expect(items).toHaveLength(2);
    expect(items[1]).toMatchObject({ id: running.id, status: 'incomplete' });
    expect(items[1].content).toMatch(/^one /);
    expect(items[1].content).not.toContain('six');
    expectError(await t.request('POST', `/api/chat/messages/${running.id}/cancel`, { token: member.token }), 409, 'NOT_IN_PROGRESS');
  });

  it('a client that disconnects mid-answer stops the model call; the prefix is stored as incomplete', async () => {
    const member = await t.member();
    t.upstream.queueBehaviors(slow);
    const closed = t.upstream.closedConnections;
    const request = sendThenHangUp(t, member.token, { message: 'I will hang up', agentId: t.agents.Aria });
    const running = await streamingAnswer(member.token);
    request.hangUp();
    await request.settled;
    await t.upstream.waitForClose(closed + 1);
    for (let waited = 0; waited < 3000; waited += 20) {
      const items = await sessionHistory(t, running.sessionId, member.token);
      if (items[1]?.status === 'incomplete') break;
      await sleep(20);
    }
    const items = await sessionHistory(t, running.sessionId, member.token);
    expect(items[1]).toMatchObject({ status: 'incomplete' });
    expect(items[1].content).not.toContain('six');
    // The session is free again.
    expect((await send(t, { message: 'back again', sessionId: running.sessionId }, { token: member.token })).status).toBe(200);
  });
});
