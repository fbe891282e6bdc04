import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/bootstrap.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { chunksOf, connect, sleep, tryUpgrade, wsUrl } from './ws-client.ts';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** The newest assistant message of the server (each test here has its own server). */
async function latestAnswer(server: TestServer): Promise<any> {
  const history = await server.request('GET', '/api/chat/history?limit=10', { token: server.adminToken });
  return history.body.data.find((message: { role: string }) => message.role === 'assistant');
}

describe('heartbeat', () => {
  it('closes a peer that does not answer pings within two intervals, and keeps a live one', async () => {
    t = await startTestServer({ env: { WS_PING_INTERVAL_MS: '200' } });
    const live = await connect(t, t.adminToken);
    const dead = await connect(t, t.adminToken, { autoPong: false });
    const openedAt = Date.now();
    const closed = await dead.closed;
    // Ping on one tick, cut on the next: at most two intervals (plus scheduling slack).
    expect(closed.at - openedAt).toBeLessThanOrEqual(2 * 200 + 150);
    expect(closed.code).toBe(1006);
    await sleep(1_000);
    expect(live.socket.readyState).toBe(live.socket.OPEN);
    live.socket.close();
  });
});

describe('a client that stops reading', () => {
  it('is cut past WS_MAX_BUFFERED_BYTES; the answer is cancelled and stored incomplete', async () => {
    t = await startTestServer({ env: { WS_MAX_BUFFERED_BYTES: '65536', PROVIDER_TIMEOUT_MS: '30000' } });
    // About 24 MB of answer, sent as fast as possible: far more than socket buffers hold.
    const chunk = 'x'.repeat(16 * 1024);
    // 1 ms apart: the upstream is still writing when the server gives up, so it sees the abort.
    t.upstream.queueBehaviors({ kind: 'stream', chunks: chunksOf(1_500, () => chunk), chunkDelayMs: 1 });
    const client = await connect(t, t.adminToken);
    client.send({ message: 'a very long answer please', agentId: t.agents.Aria, requestId: 'big' });
    (client.socket as any)._socket.pause();
    await t.upstream.waitForClose(1);
    let stored = await latestAnswer(t);
    for (let attempt = 0; attempt < 100 && stored?.status === 'streaming'; attempt++) {
      await sleep(25);
      stored = await latestAnswer(t);
    }
    expect(stored.status).toBe('incomplete');
    expect(stored.content.length).toBeGreaterThan(0);
    expect(stored.content.length).toBeLessThan(1_500 * chunk.length / 2);
    (client.socket as any)._socket.resume();
    const closed = await client.closed;
    expect([1006, 1008]).toContain(closed.code);
    // What reached the client is a prefix of what was stored: nothing was produced past the cut.
    const received = client.frames.filter((frame) => frame.type === 'chunk').map((frame) => frame.delta).join('');
    expect(stored.content.startsWith(received)).toBe(true);
  });
});

describe('graceful shutdown', () => {
  it('lets short answers finish, cancels long ones past SHUTDOWN_DRAIN_MS as incomplete, closes 1001', async () => {
    t = await startTestServer({ env: { SHUTDOWN_DRAIN_MS: '700', PROVIDER_TIMEOUT_MS: '30000' } });
    const server = t;
    server.upstream.setBehavior((request) =>
      String(request.body.messages.at(-1).content).startsWith('short')
        ? { kind: 'stream', chunks: ['quick ', 'answer'], chunkDelayMs: 40 }
        : { kind: 'stream', chunks: chunksOf(60), chunkDelayMs: 100 },
    );
    const first = await connect(server, server.adminToken);
    const second = await connect(server, server.adminToken);
    first.send({ message: 'short one', agentId: server.agents.Aria, requestId: 'short' });
    second.send({ message: 'long one', agentId: server.agents.Aria, requestId: 'long' });
    // An SSE answer is cut the same way.
    const sse = fetch(`${server.baseUrl}/api/chat/message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'long by sse', agentId: server.agents.Ledger }),
    }).then((response) => response.text());
    const longStart = await second.next((frame) => frame.requestId === 'long' && frame.type === 'start');
    const longFirst = await second.next((frame) => frame.requestId === 'long' && frame.type === 'chunk');
    await first.next((frame) => frame.requestId === 'short' && frame.type === 'chunk');

    const closing = server.server.close();
    await sleep(50);
    // Stop accepting: no new sockets, no new answers on the open ones.
    expect(await tryUpgrade(wsUrl(server, server.adminToken))).toMatchObject({ opened: false, status: 503 });
    second.send({ message: 'one more', agentId: server.agents.Aria, requestId: 'late' });
    expect(await second.next((frame) => frame.requestId === 'late')).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });

    const short = await first.answer('short');
    expect(short.at(-1)).toMatchObject({ type: 'done', response: 'quick answer' });
    const long = await second.answer('long');
    expect(long.at(-1)).toMatchObject({ type: 'error', code: 'CANCELLED' });
    const streamed = [longFirst, ...long].filter((frame) => frame.type === 'chunk').map((frame) => frame.delta).join('');
    expect((await first.closed).code).toBe(1001);
    expect((await second.closed).code).toBe(1001);
    const sseText = await sse;
    expect(sseText).toContain('event: error');
    expect(sseText).toContain('"code":"CANCELLED"');
    await closing;

    // The server is gone: read what it stored straight from its database.
    const store = await createStore(server.server.services.config);
    try {
      const messages = await store.recentSessionMessages(longStart.sessionId, 10);
      expect(messages.find((message) => message.id === longStart.messageId)).toMatchObject({ status: 'incomplete', content: streamed });
      const shortStored = await store.recentSessionMessages(short[0].sessionId, 10);
      expect(shortStored.find((message) => message.role === 'assistant')).toMatchObject({ status: 'complete', content: 'quick answer' });
      const sseSession = /"sessionId":"([^"]+)"/.exec(sseText)![1];
      const sseStored = await store.recentSessionMessages(sseSession, 10);
      expect(sseStored.find((message) => message.role === 'assistant')).toMatchObject({ status: 'incomplete' });
    } finally {
      await store.close();
    }
  });
});
