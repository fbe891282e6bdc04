import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { chunksOf, connect, storedAnswer, type Frame } from './ws-client.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { PROVIDER_TIMEOUT_MS: '15000' } });
});
afterAll(async () => {
  await t?.close();
});

/** POST /message as Server-Sent Events; `onEvent` sees each event as it arrives. */
async function postSse(body: unknown, onEvent: (event: Frame, controller: AbortController) => void | Promise<void> = () => undefined) {
  const controller = new AbortController();
  const response = await fetch(`${t.baseUrl}/api/chat/message`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const events: Array<{ name: string; data: Frame }> = [];
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return { response, events, json: await response.json() };
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(piece, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]) as Frame;
        events.push({ name, data });
        await onEvent(data, controller);
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  }
  return { response, events, json: undefined };
}

describe('POST /api/chat/message with Accept: text/event-stream', () => {
  it('gives the same event sequence and final figures as the WebSocket', async () => {
    const behavior = { kind: 'stream' as const, chunks: ['Same ', 'answer ', 'both ', 'ways'], usage: { prompt_tokens: 77, completion_tokens: 4 } };
    t.upstream.queueBehaviors(behavior, behavior);
    const { response, events } = await postSse({ message: 'compare', agentId: t.agents.Nova });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('no-cache');

    const client = await connect(t, t.adminToken);
    client.send({ message: 'compare', agentId: t.agents.Nova, requestId: 'ws' });
    const frames = await client.answer('ws');
    client.socket.close();

    // Event names are the frame types, and the data is the frame.
    expect(events.map((event) => event.name)).toEqual(events.map((event) => event.data.type));
    expect(events.map((event) => event.name)).toEqual(frames.map((frame) => frame.type));
    expect(events.map((event) => event.name)).toEqual(['start', 'chunk', 'chunk', 'chunk', 'chunk', 'done']);
    const chunks = (list: Frame[]) => list.filter((frame) => frame.type === 'chunk').map((frame) => [frame.seq, frame.delta]);
    expect(chunks(events.map((event) => event.data))).toEqual(chunks(frames));
    const figures = ({ response: text, inputTokens, outputTokens, model, routedBy, agentId, agentName }: Frame) => ({ text, inputTokens, outputTokens, model, routedBy, agentId, agentName });
    const sseDone = events.at(-1)!.data;
    expect(figures(sseDone)).toEqual(figures(frames.at(-1)!));
    expect(figures(sseDone)).toMatchObject({ text: 'Same answer both ways', inputTokens: 77, outputTokens: 4 });
    expect(sseDone.durationMs).toEqual(expect.any(Number));
    expect(sseDone.messageId).toBe(events[0].data.messageId);
    expect(await storedAnswer(t, t.adminToken, sseDone.sessionId, sseDone.messageId)).toMatchObject({ status: 'complete', content: 'Same answer both ways' });
  });

  it('answers an error before streaming as plain JSON with its status', async () => {
    const { response, json } = await postSse({ message: 'x', agentId: '01900000-0000-7000-8000-000000000000' });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(json.code).toBe('AGENT_NOT_FOUND');
  });

  it('ends with an error event when the provider fails mid-stream; the prefix is stored incomplete', async () => {
    t.upstream.queueBehaviors({ kind: 'cut', chunks: ['half ', 'way', 'never'], afterChunks: 2 });
    const { events } = await postSse({ message: 'cut', agentId: t.agents.Aria });
    expect(events.map((event) => event.name)).toEqual(['start', 'chunk', 'chunk', 'error']);
    const error = events.at(-1)!.data;
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(await storedAnswer(t, t.adminToken, error.sessionId, error.messageId)).toMatchObject({ status: 'incomplete', content: 'half way' });
  });

  it('is cancelled by POST /messages/:id/cancel: error CANCELLED, upstream closed, prefix stored', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: chunksOf(40), chunkDelayMs: 60 });
    const closedBefore = t.upstream.closedConnections;
    let cancelStatus = 0;
    let messageId = '';
    const { events } = await postSse({ message: 'cancel via rest', agentId: t.agents.Aria }, async (event) => {
      if (event.type === 'start') messageId = event.messageId;
      if (event.type === 'chunk' && event.seq === 2) {
        cancelStatus = (await t.request('POST', `/api/chat/messages/${messageId}/cancel`, { token: t.adminToken })).status;
      }
    });
    expect(cancelStatus).toBe(200);
    expect(events.at(-1)!.data).toMatchObject({ type: 'error', code: 'CANCELLED' });
    await t.upstream.waitForClose(closedBefore + 1);
    const start = events[0].data;
    const streamed = events.filter((event) => event.name === 'chunk').map((event) => event.data.delta).join('');
    expect(await storedAnswer(t, t.adminToken, start.sessionId, start.messageId)).toMatchObject({ status: 'incomplete', content: streamed });
  });

  it('a client that goes away mid-stream aborts the upstream; the prefix is stored incomplete', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: chunksOf(40), chunkDelayMs: 60 });
    const closedBefore = t.upstream.closedConnections;
    const { events } = await postSse({ message: 'leave early', agentId: t.agents.Aria }, (event, controller) => {
      if (event.type === 'chunk' && event.seq === 3) controller.abort();
    });
    await t.upstream.waitForClose(closedBefore + 1);
    const start = events[0].data;
    const stored = await storedAnswer(t, t.adminToken, start.sessionId, start.messageId);
    expect(stored.status).toBe('incomplete');
    const seen = events.filter((event) => event.name === 'chunk').map((event) => event.data.delta).join('');
    expect(stored.content.startsWith(seen)).toBe(true);
    expect(chunksOf(40).join('').startsWith(stored.content)).toBe(true);
  });
});
