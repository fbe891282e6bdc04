import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send, sessionHistory, sleep } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  // A slow model: each answer takes about 6 x 30 ms, so later sends must wait their turn.
  t.upstream.setBehavior((request) => {
    const last = String(request.body?.messages?.at(-1)?.content ?? '');
    return { kind: 'stream', chunks: ['Answer ', 'to ', last, ' done'], chunkDelayMs: 30 };
  });
  // Count arrivals at the (real, in-process) session queue.
  const sessions = t.server.services.coordination.sessions;
  const acquire = sessions.acquire.bind(sessions);
  sessions.acquire = (sessionId, options) => {
    acquireCalls += 1;
    return acquire(sessionId, options);
  };
});
afterAll(async () => {
  await t?.close();
});

let acquireCalls = 0;

/**
 * Sends one message after the other, each as soon as the previous one has reached the session
 * queue (counted on the real queue), without waiting for answers: the arrival order is then
 * exactly the order of sending, however loaded the machine is.
 */
async function inArrivalOrder<T>(count: number, start: (index: number) => Promise<T>): Promise<T[]> {
  const pending: Promise<T>[] = [];
  for (let index = 0; index < count; index += 1) {
    const before = acquireCalls;
    pending.push(start(index));
    for (let waited = 0; acquireCalls === before; waited += 2) {
      if (waited > 5000) throw new Error(`message ${index + 1} never reached the session queue`);
      await sleep(2);
    }
  }
  return Promise.all(pending);
}

describe('one answer at a time per session, in arrival order', () => {
  it('five concurrent sends to one session are answered strictly in order, each seeing the previous answers', async () => {
    const first = await send(t, { message: 'opening', agentId: t.agents.Aria });
    const sessionId = first.body.sessionId;
    const requestsBefore = t.upstream.requests.length;
    const completed: number[] = [];
    // The first answer starts late, so that all five are queued while it runs.
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['Answer ', 'to ', 'm1', ' done'], chunkDelayMs: 30, firstByteDelayMs: 300 });
    const responses = await inArrivalOrder(5, async (index) => {
      const response = await send(t, { message: `m${index + 1}`, sessionId });
      completed.push(index + 1);
      return response;
    });
    for (const [index, response] of responses.entries()) {
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.response).toBe(`Answer to m${index + 1} done`);
    }
    expect(completed).toEqual([1, 2, 3, 4, 5]);

    // Stored: strictly alternating user/answer pairs, in the order sent.
    const items = await sessionHistory(t, sessionId);
    expect(items.map((item) => item.content)).toEqual([
      'opening', 'Answer to opening done',
      'm1', 'Answer to m1 done', 'm2', 'Answer to m2 done', 'm3', 'Answer to m3 done', 'm4', 'Answer to m4 done', 'm5', 'Answer to m5 done',
    ]);

    // Each prompt holds the whole history before it, with every previous answer complete.
    const prompts = t.upstream.requests.slice(requestsBefore).map((request) => request.body.messages.slice(1).map((turn: any) => turn.content));
    expect(prompts).toHaveLength(5);
    for (const [index, prompt] of prompts.entries()) {
      expect(prompt).toEqual(items.slice(0, 2 + index * 2 + 1).map((item) => item.content));
    }
  });

  it('at most 4 wait behind the one being answered: the 6th and 7th get 409 SESSION_BUSY', async () => {
    const first = await send(t, { message: 'opening', agentId: t.agents.Aria });
    const sessionId = first.body.sessionId;
    // The first answer holds the session long enough for the six others to arrive.
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['Answer ', 'to ', 'n1', ' done'], firstByteDelayMs: 1000 });
    const responses = await inArrivalOrder(7, (index) => send(t, { message: `n${index + 1}`, sessionId }));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 409, 409]);
    for (const response of responses.slice(5)) {
      expectError(response, 409, 'SESSION_BUSY');
    }
    // The refused messages were not stored.
    const items = await sessionHistory(t, sessionId);
    expect(items.map((item) => item.content).filter((content) => /^n\d$/.test(content))).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    // The session is usable again afterwards.
    expect((await send(t, { message: 'after the rush', sessionId })).status).toBe(200);
  });

  it('different sessions are answered in parallel, not one after another', async () => {
    const sessions = await Promise.all([1, 2, 3, 4].map((index) => send(t, { message: `start ${index}`, agentId: t.agents.Aria })));
    for (let index = 0; index < 4; index += 1) t.upstream.queueBehaviors({ kind: 'stream', chunks: ['slow'], firstByteDelayMs: 700 });
    const started = Date.now();
    const responses = await Promise.all(sessions.map((session, index) => send(t, { message: `parallel ${index}`, sessionId: session.body.sessionId })));
    const elapsed = Date.now() - started;
    expect(responses.every((response) => response.status === 200)).toBe(true);
    // One after another would take at least 4 x 700 ms.
    expect(elapsed).toBeLessThan(2400);
  });

  it('a failed answer does not block the session', async () => {
    const first = await send(t, { message: 'opening', agentId: t.agents.Aria });
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    const [failed, next] = await inArrivalOrder(2, (index) => send(t, { message: `f${index}`, sessionId: first.body.sessionId }));
    expect(failed.status).toBe(502);
    expect(next.status).toBe(200);
    expect(next.body.response).toBe('Answer to f1 done');
  });
});
