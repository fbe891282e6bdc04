import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/bootstrap.ts';
import { newId } from '../../src/ids.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { chunksOf, connect, sessionHistory, storedAnswer, type Frame, type TestSocket } from './ws-client.ts';

let t: TestServer;
let client: TestSocket;

beforeAll(async () => {
  t = await startTestServer({ env: { PROVIDER_TIMEOUT_MS: '15000' } });
  client = await connect(t, t.adminToken);
});
afterAll(async () => {
  client?.socket.close();
  await t?.close();
});

/** A slow answer of 40 chunks, 60 ms apart: long enough to be cut after a few chunks. */
const slowStream = () => t.upstream.queueBehaviors({ kind: 'stream', chunks: chunksOf(40), chunkDelayMs: 60 });

/** Sends a message and waits for `count` chunks of it. */
async function streamUntil(socket: TestSocket, requestId: string, count: number): Promise<{ start: Frame; chunks: Frame[] }> {
  socket.send({ message: `question ${requestId}`, agentId: t.agents.Aria, requestId });
  const start = await socket.next((frame) => frame.requestId === requestId && frame.type === 'start');
  const chunks: Frame[] = [];
  while (chunks.length < count) chunks.push(await socket.next((frame) => frame.requestId === requestId && frame.type === 'chunk'));
  return { start, chunks };
}

describe('cancel', () => {
  it('cancel by requestId: error CANCELLED, upstream closed, exactly the streamed prefix stored incomplete', async () => {
    slowStream();
    const closedBefore = t.upstream.closedConnections;
    const { start, chunks } = await streamUntil(client, 'c-1', 3);
    client.send({ type: 'cancel', requestId: 'c-1' });
    const rest = await client.answer('c-1');
    const error = rest.pop()!;
    expect(error).toMatchObject({ type: 'error', requestId: 'c-1', code: 'CANCELLED', messageId: start.messageId });
    const streamed = [...chunks, ...rest].map((frame) => frame.delta).join('');
    await t.upstream.waitForClose(closedBefore + 1);
    const stored = await storedAnswer(t, t.adminToken, start.sessionId, start.messageId);
    expect(stored).toMatchObject({ role: 'assistant', status: 'incomplete', content: streamed });
    expect(streamed.length).toBeGreaterThan(0);
    // The user message stays, before the answer.
    const history = await sessionHistory(t, t.adminToken, start.sessionId);
    expect(history.map((message) => [message.role, message.status])).toEqual([
      ['user', undefined],
      ['assistant', 'incomplete'],
    ]);
  });

  it('cancel by messageId has the same effect', async () => {
    slowStream();
    const closedBefore = t.upstream.closedConnections;
    const { start, chunks } = await streamUntil(client, 'c-2', 2);
    client.send({ type: 'cancel', messageId: start.messageId });
    const rest = await client.answer('c-2');
    expect(rest.pop()).toMatchObject({ type: 'error', code: 'CANCELLED' });
    await t.upstream.waitForClose(closedBefore + 1);
    const stored = await storedAnswer(t, t.adminToken, start.sessionId, start.messageId);
    expect(stored.content).toBe([...chunks, ...rest].map((frame) => frame.delta).join(''));
    expect(stored.status).toBe('incomplete');
  });

  it('a cancel of nothing running gets NOT_IN_PROGRESS', async () => {
    client.send({ type: 'cancel', requestId: 'never-ran' });
    expect(await client.next((frame) => frame.requestId === 'never-ran')).toMatchObject({ type: 'error', code: 'NOT_IN_PROGRESS' });
  });

  it('cancels only the answer named, not the others on the socket', async () => {
    slowStream();
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['kept ', 'whole'], chunkDelayMs: 300 });
    client.send({ message: 'to cancel', agentId: t.agents.Aria, requestId: 'c-3a' });
    await client.next((frame) => frame.requestId === 'c-3a' && frame.type === 'chunk');
    client.send({ message: 'to keep', agentId: t.agents.Ledger, requestId: 'c-3b' });
    await client.next((frame) => frame.requestId === 'c-3b' && frame.type === 'start');
    client.send({ type: 'cancel', requestId: 'c-3a' });
    const [cancelled, kept] = await Promise.all([client.answer('c-3a'), client.answer('c-3b')]);
    expect(cancelled.at(-1)!.code).toBe('CANCELLED');
    expect(kept.at(-1)).toMatchObject({ type: 'done', response: 'kept whole' });
  });
});

describe('loss mid-stream', () => {
  it('a client disconnect aborts the upstream and stores the streamed prefix incomplete', async () => {
    slowStream();
    const own = await connect(t, t.adminToken);
    const closedBefore = t.upstream.closedConnections;
    const { start, chunks } = await streamUntil(own, 'd-1', 3);
    own.socket.terminate();
    await t.upstream.waitForClose(closedBefore + 1);
    const stored = await storedAnswer(t, t.adminToken, start.sessionId, start.messageId);
    expect(stored.status).toBe('incomplete');
    // Chunks in flight when the socket went may have been sent but not read: the stored text
    // starts with everything the client saw and is a prefix of the model's answer.
    expect(stored.content.startsWith(chunks.map((frame) => frame.delta).join(''))).toBe(true);
    expect(chunksOf(40).join('').startsWith(stored.content)).toBe(true);
  });

  it('a provider cut mid-stream gives PROVIDER_ERROR and stores the prefix incomplete', async () => {
    t.upstream.queueBehaviors({ kind: 'cut', chunks: ['part ', 'one ', 'never'], afterChunks: 2, chunkDelayMs: 20 });
    client.send({ message: 'cut me', agentId: t.agents.Aria, requestId: 'cut-1' });
    const frames = await client.answer('cut-1');
    const error = frames.at(-1)!;
    expect(error).toMatchObject({ type: 'error', code: 'PROVIDER_ERROR' });
    const streamed = frames.filter((frame) => frame.type === 'chunk').map((frame) => frame.delta).join('');
    expect(streamed).toBe('part one ');
    const stored = await storedAnswer(t, t.adminToken, frames[0].sessionId, frames[0].messageId);
    expect(stored).toMatchObject({ status: 'incomplete', content: 'part one ' });
    expect(error.messageId).toBe(frames[0].messageId);
  });
});

describe('POST /api/chat/messages/:id/cancel', () => {
  it('is 200 while the answer runs, 409 after, 404 for another user', async () => {
    slowStream();
    const closedBefore = t.upstream.closedConnections;
    const { start, chunks } = await streamUntil(client, 'rest-1', 2);
    const member = await t.member();
    expect((await t.request('POST', `/api/chat/messages/${start.messageId}/cancel`, { token: member.token })).status).toBe(404);
    const cancelled = await t.request('POST', `/api/chat/messages/${start.messageId}/cancel`, { token: t.adminToken });
    expect(cancelled).toMatchObject({ status: 200, body: { ok: true, status: 'incomplete' } });
    const rest = await client.answer('rest-1');
    expect(rest.pop()).toMatchObject({ code: 'CANCELLED' });
    await t.upstream.waitForClose(closedBefore + 1);
    const stored = await storedAnswer(t, t.adminToken, start.sessionId, start.messageId);
    expect(stored).toMatchObject({ status: 'incomplete', content: [...chunks, ...rest].map((frame) => frame.delta).join('') });
    const again = await t.request('POST', `/api/chat/messages/${start.messageId}/cancel`, { token: t.adminToken });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('NOT_IN_PROGRESS');
    expect((await t.request('POST', `/api/chat/messages/${newId()}/cancel`, { token: t.adminToken })).status).toBe(404);
  });

  it('cancels right after start, before any chunk: stored incomplete and empty', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['late'], firstByteDelayMs: 1_000 });
    client.send({ message: 'cancel me early', agentId: t.agents.Aria, requestId: 'early' });
    const start = await client.next((frame) => frame.requestId === 'early' && frame.type === 'start');
    expect((await t.request('POST', `/api/chat/messages/${start.messageId}/cancel`, { token: t.adminToken })).status).toBe(200);
    const rest = await client.answer('early');
    expect(rest.map((frame) => frame.type)).toEqual(['error']);
    expect(await storedAnswer(t, t.adminToken, start.sessionId, start.messageId)).toMatchObject({ status: 'incomplete', content: '' });
  });
});

describe('start-up sweep', () => {
  it('marks answers a crash left streaming as incomplete', async () => {
    client.send({ message: 'a session to crash in', agentId: t.agents.Aria, requestId: 'sweep' });
    const frames = await client.answer('sweep');
    const { sessionId } = frames[0];
    const me = (await t.request('GET', '/api/auth/me', { token: t.adminToken })).body.user;
    const id = newId();
    const { store, config } = t.server.services;
    await store.insertMessage({
      id,
      sessionId,
      workspaceId: me.workspaceId,
      userId: me.id,
      agentId: t.agents.Aria,
      role: 'assistant',
      content: 'half an ans',
      status: 'streaming',
      createdAt: new Date(),
    });
    expect((await sessionHistory(t, t.adminToken, sessionId)).find((message) => message.id === id).status).toBe('streaming');
    // A second start on the same database, as after a crash.
    const restarted = await startServer({ ...config, port: 0 }, { warn: () => undefined });
    await restarted.close();
    expect((await sessionHistory(t, t.adminToken, sessionId)).find((message) => message.id === id)).toMatchObject({ status: 'incomplete', content: 'half an ans' });
  });
});
