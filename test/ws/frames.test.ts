import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { connect, sessionHistory, type TestSocket } from './ws-client.ts';

let t: TestServer;
let client: TestSocket;

beforeAll(async () => {
  // The flood limit has its own server below; here it must never interfere.
  t = await startTestServer({ env: { PROVIDER_TIMEOUT_MS: '15000', WS_FRAMES_PER_SECOND: '1000' } });
  client = await connect(t, t.adminToken);
});
afterAll(async () => {
  client?.socket.close();
  await t?.close();
});
beforeEach(() => {
  t.upstream.setBehavior((request) => ({ kind: 'stream', chunks: ['Echo', ': ', String(request.body.messages.at(-1).content)] }));
});

describe('answer frames', () => {
  it('sends start, chunks with seq from 1, and done with the provider figures', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['Hel', 'lo', ' there', '!'], usage: { prompt_tokens: 123, completion_tokens: 45 } });
    client.send({ type: 'message', message: 'hi', agentId: t.agents.Nova, requestId: 'r-1' });
    const frames = await client.answer('r-1');
    expect(frames.map((frame) => frame.type)).toEqual(['start', 'chunk', 'chunk', 'chunk', 'chunk', 'done']);
    const [start, ...rest] = frames;
    const done = rest.pop()!;
    expect(start).toMatchObject({ requestId: 'r-1', agentId: t.agents.Nova, agentName: 'Nova', routedBy: 'explicit' });
    expect(start.messageId).toEqual(expect.any(String));
    expect(start.userMessageId).toEqual(expect.any(String));
    expect(rest.map((frame) => frame.seq)).toEqual([1, 2, 3, 4]);
    expect(rest.every((frame) => frame.requestId === 'r-1')).toBe(true);
    expect(done).toMatchObject({
      requestId: 'r-1',
      response: 'Hello there!',
      inputTokens: 123,
      outputTokens: 45,
      sessionId: start.sessionId,
      messageId: start.messageId,
      agentName: 'Nova',
      model: 'upstream/gpt-test',
      routedBy: 'explicit',
    });
    expect(done.response).toBe(rest.map((frame) => frame.delta).join(''));
    expect(done.durationMs).toEqual(expect.any(Number));
    const stored = (await sessionHistory(t, t.adminToken, start.sessionId)).find((message) => message.id === start.messageId);
    expect(stored).toMatchObject({ content: 'Hello there!', status: 'complete', inputTokens: 123, outputTokens: 45 });
  });

  it('takes a message frame without type, and makes a requestId when none is given', async () => {
    client.send({ message: 'no type here', agentId: t.agents.Aria, requestId: 'r-untyped' });
    const frames = await client.answer('r-untyped');
    expect(frames.at(-1)).toMatchObject({ type: 'done', response: 'Echo: no type here' });

    client.send({ message: 'no request id', agentId: t.agents.Aria });
    const start = await client.next((frame) => frame.type === 'start');
    expect(start.requestId).toEqual(expect.any(String));
    const rest = await client.answer(start.requestId);
    expect(rest.at(-1)).toMatchObject({ type: 'done', requestId: start.requestId, response: 'Echo: no request id' });
  });

  it('sends each delta as the model produces it', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['one ', 'two ', 'three ', 'four ', 'five'], chunkDelayMs: 300 });
    const sent = Date.now();
    client.send({ message: 'slowly', agentId: t.agents.Aria, requestId: 'r-slow' });
    const first = await client.next((frame) => frame.requestId === 'r-slow' && frame.type === 'chunk');
    const firstAt = Date.now() - sent;
    const frames = await client.answer('r-slow');
    const doneAt = Date.now() - sent;
    expect(frames.at(-1)!.type).toBe('done');
    // Five chunks 300 ms apart: the first must not wait for the last.
    expect(doneAt).toBeGreaterThan(1_200);
    expect(firstAt).toBeLessThan(doneAt - 900);
    expect(first.delta).toBe('one ');
  });

  it('sends an error frame with a code when the provider fails before any text', async () => {
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    client.send({ message: 'fail please', agentId: t.agents.Aria, requestId: 'r-fail' });
    const frames = await client.answer('r-fail');
    expect(frames.map((frame) => frame.type)).toEqual(['start', 'error']);
    expect(frames[1]).toMatchObject({ requestId: 'r-fail', code: 'PROVIDER_ERROR', sessionId: frames[0].sessionId });
    expect(frames[1].error).toEqual(expect.any(String));
  });

  it('sends an error frame before start for an unknown agent, echoing requestId', async () => {
    client.send({ message: 'hello', agentId: '01900000-0000-7000-8000-000000000000', requestId: 'r-404' });
    const frames = await client.answer('r-404');
    expect(frames).toEqual([expect.objectContaining({ type: 'error', requestId: 'r-404', code: 'AGENT_NOT_FOUND' })]);
  });
});

describe('several answers on one socket', () => {
  it('runs answers of different sessions at once', async () => {
    t.upstream.setBehavior({ kind: 'stream', chunks: ['a ', 'b ', 'c ', 'd'], chunkDelayMs: 150 });
    client.send({ message: 'first', agentId: t.agents.Aria, requestId: 'p-1' });
    client.send({ message: 'second', agentId: t.agents.Ledger, requestId: 'p-2' });
    const [first, second] = await Promise.all([client.answer('p-1'), client.answer('p-2')]);
    expect(first.at(-1)).toMatchObject({ type: 'done', response: 'a b c d', agentName: 'Aria' });
    expect(second.at(-1)).toMatchObject({ type: 'done', response: 'a b c d', agentName: 'Ledger' });
    // Both were streaming together: each started before the other finished.
    expect(first.at(-1)!.durationMs + second.at(-1)!.durationMs).toBeGreaterThan(Math.max(first.at(-1)!.durationMs, second.at(-1)!.durationMs) * 1.5);
  });

  it('serializes answers within one session, in the order sent', async () => {
    client.send({ message: 'open a session', agentId: t.agents.Aria, requestId: 's-0' });
    const opened = await client.answer('s-0');
    const sessionId = opened[0].sessionId as string;
    t.upstream.setBehavior((request) => ({ kind: 'stream', chunks: ['re: ', String(request.body.messages.at(-1).content)], chunkDelayMs: 200 }));
    const order: string[] = [];
    const watch = (requestId: string) =>
      client.answer(requestId).then((frames) => {
        order.push(`${requestId}:${frames[0].type}`);
        return frames;
      });
    client.send({ message: 'one', sessionId, requestId: 's-1' });
    client.send({ message: 'two', sessionId, requestId: 's-2' });
    const firstStart = await client.next((frame) => frame.requestId === 's-1' && frame.type === 'start');
    const [first, second] = await Promise.all([watch('s-1'), watch('s-2')]);
    expect(firstStart.routedBy).toBe('session');
    expect(first.at(-1)!.response).toBe('re: one');
    expect(second.at(-1)!.response).toBe('re: two');
    // The second answer's model call saw the first answer in its history.
    const lastCall = t.upstream.requests.at(-1)!.body.messages.map((message: { content: string }) => message.content);
    expect(lastCall.slice(-3)).toEqual(['one', 're: one', 'two']);
    expect(order).toEqual(['s-1:chunk', 's-2:start']);
  });
});

describe('bad frames', () => {
  it.each([
    ['not JSON', '{nope', undefined],
    ['a JSON array', '[1,2]', undefined],
    ['a message without text', JSON.stringify({ requestId: 'b-1' }), 'b-1'],
    ['an unknown field', JSON.stringify({ message: 'x', requestId: 'b-2', extra: true }), 'b-2'],
    ['an empty message', JSON.stringify({ message: '', requestId: 'b-3' }), 'b-3'],
    ['an unknown type', JSON.stringify({ type: 'dance', requestId: 'b-4' }), 'b-4'],
    ['a cancel without a target', JSON.stringify({ type: 'cancel' }), undefined],
  ])('answers %s with an error frame and keeps the socket open', async (_name, raw, requestId) => {
    client.send(raw);
    const frame = await client.next((candidate) => candidate.type === 'error' && candidate.requestId === requestId);
    expect(frame.code).toBe('VALIDATION_ERROR');
    expect(frame.error).toEqual(expect.any(String));
    expect(client.socket.readyState).toBe(client.socket.OPEN);
  });

  it('still answers on the same socket after bad frames', async () => {
    t.upstream.setBehavior({ kind: 'stream', chunks: ['fine'] });
    client.send({ message: 'after the bad ones', agentId: t.agents.Aria, requestId: 'b-ok' });
    expect((await client.answer('b-ok')).at(-1)).toMatchObject({ type: 'done', response: 'fine' });
  });
});

describe('limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ env: { WS_MAX_FRAME_BYTES: '4096', MAX_MESSAGE_CHARS: '1000', WS_FRAMES_PER_SECOND: '5' } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('closes the socket with 1009 on a frame over WS_MAX_FRAME_BYTES', async () => {
    const own = await connect(limited, limited.adminToken);
    own.send({ message: 'x'.repeat(5_000) });
    expect((await own.closed).code).toBe(1009);
  });

  it('answers a flood with error frames, then closes with 1008', async () => {
    const own = await connect(limited, limited.adminToken);
    for (let index = 0; index < 40; index++) own.send({ type: 'cancel', requestId: `f-${index}` });
    const closed = await own.closed;
    expect(closed.code).toBe(1008);
    const limitedFrames = own.frames.filter((frame) => frame.code === 'RATE_LIMITED');
    expect(limitedFrames.length).toBeGreaterThan(0);
    expect(limitedFrames[0]).toMatchObject({ type: 'error', retryAfter: 1 });
  });

  it('does not close a client that stays under the rate', async () => {
    const own = await connect(limited, limited.adminToken);
    for (let index = 0; index < 8; index++) {
      own.send({ type: 'cancel', requestId: `slow-${index}` });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(own.frames.filter((frame) => frame.code === 'RATE_LIMITED')).toEqual([]);
    expect(own.socket.readyState).toBe(own.socket.OPEN);
    own.socket.close();
  });
});
