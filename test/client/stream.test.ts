/**
 * `client.stream()` over the real WebSocket: frames in order, one socket shared by several
 * answers, cancel, and how errors surface (server `error` frames yielded, transport failures
 * thrown).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetchatClient, FleetchatError, type StreamFrame } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
let client: FleetchatClient;

beforeAll(async () => {
  t = await startTestServer({ env: { PROVIDER_TIMEOUT_MS: '15000' } });
  client = new FleetchatClient({ baseUrl: t.baseUrl, token: t.adminToken });
});
afterAll(async () => {
  client?.close();
  await t?.close();
});

const words = (count: number, prefix = 'w') => Array.from({ length: count }, (_, index) => `${prefix}${index + 1} `);

async function collect(frames: AsyncIterable<StreamFrame>): Promise<StreamFrame[]> {
  const seen: StreamFrame[] = [];
  for await (const frame of frames) seen.push(frame);
  return seen;
}

describe('stream', () => {
  it('yields start, chunks in order, then done; the chunks add up to done.response', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: words(6), chunkDelayMs: 10 });
    const stream = client.stream({ message: 'hello there', agentId: t.agents.Aria });
    const frames = await collect(stream);
    expect(frames[0]).toMatchObject({ type: 'start', requestId: stream.requestId, agentName: 'Aria', routedBy: 'explicit' });
    const chunks = frames.filter((frame) => frame.type === 'chunk');
    expect(chunks.map((frame) => frame.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const done = frames.at(-1);
    if (done?.type !== 'done') throw new Error(`expected done, got ${done?.type}`);
    expect(chunks.map((frame) => frame.delta).join('')).toBe(done.response);
    expect(done.response).toBe(words(6).join(''));
    expect(done).toMatchObject({ agentId: t.agents.Aria, model: 'upstream/gpt-test' });
    expect(done.outputTokens).toBeGreaterThan(0);
  });

  it('runs several answers at once on one socket, each frame to its own stream', async () => {
    t.upstream.setBehavior((request) => {
      const last = String(request.body.messages.at(-1).content);
      return { kind: 'stream', chunks: words(5, last.slice(0, 1)), chunkDelayMs: 15 };
    });
    try {
      const [a, b, c] = ['alpha', 'bravo', 'charlie'].map((message) => client.stream({ message, agentId: t.agents.Aria }));
      const results = await Promise.all([a, b, c].map((stream) => stream.result()));
      expect(results.map((done) => done.response)).toEqual([words(5, 'a').join(''), words(5, 'b').join(''), words(5, 'c').join('')]);
      expect(new Set(results.map((done) => done.requestId)).size).toBe(3);
    } finally {
      // Later tests queue their own behaviours or need only some answer: an echo will do.
      t.upstream.setBehavior((request) => ({ kind: 'stream', chunks: [String(request.body.messages.at(-1).content)] }));
    }
  });

  it('reuses one socket for streams one after another', async () => {
    let opened = 0;
    const { default: WebSocket } = await import('ws');
    const counting = new FleetchatClient({
      baseUrl: t.baseUrl,
      token: t.adminToken,
      WebSocket: class extends WebSocket {
        constructor(url: string) {
          super(url);
          opened++;
        }
      },
    });
    try {
      for (const message of ['one', 'two', 'three']) await counting.stream({ message, agentId: t.agents.Aria }).result();
      expect(opened).toBe(1);
      // A new token means a new socket: the old one was authenticated as someone else.
      const member = await t.member();
      counting.token = member.token;
      const done = await counting.stream({ message: 'as member', agentId: t.agents.Aria }).result();
      expect(done.response.length).toBeGreaterThan(0);
      expect(opened).toBe(2);
    } finally {
      counting.close();
    }
  });

  it('cancel() ends the answer with an error frame CANCELLED carrying the stored messageId', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: words(60), chunkDelayMs: 40 });
    const stream = client.stream({ message: 'a long one', agentId: t.agents.Aria });
    const frames: StreamFrame[] = [];
    for await (const frame of stream) {
      frames.push(frame);
      if (frame.type === 'chunk' && frame.seq === 3) stream.cancel();
    }
    const last = frames.at(-1);
    expect(last).toMatchObject({ type: 'error', code: 'CANCELLED', requestId: stream.requestId });
    const start = frames[0];
    if (start.type !== 'start' || last?.type !== 'error') throw new Error('unexpected frames');
    expect(last.messageId).toBe(start.messageId);
    const streamed = frames.map((frame) => (frame.type === 'chunk' ? frame.delta : '')).join('');
    const history = await client.history({ sessionId: start.sessionId, order: 'asc' });
    expect(history.data[1]).toMatchObject({ id: start.messageId, status: 'incomplete', content: streamed });
    expect(frames.filter((frame) => frame.type === 'chunk').length).toBeLessThan(60);
  });

  it('result() throws the error frame as a FleetchatError; client.cancel(messageId) stops it too', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: words(60), chunkDelayMs: 40 });
    const stream = client.stream({ message: 'another long one', agentId: t.agents.Aria });
    const iterator = stream[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as StreamFrame;
    if (first.type !== 'start') throw new Error(`expected start, got ${first.type}`);
    expect(await client.cancel(first.messageId)).toEqual({ ok: true, status: 'incomplete' });
    let last: StreamFrame | undefined;
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) last = step.value;
    expect(last).toMatchObject({ type: 'error', code: 'CANCELLED' });
    const error = FleetchatError.fromFrame(last as never);
    expect(error).toMatchObject({ code: 'CANCELLED', status: 499, messageId: first.messageId });
  });

  it('an error before start (unknown agent) is a yielded error frame, and result() throws it typed', async () => {
    const frames = await collect(client.stream({ message: 'hi', agentId: '00000000-0000-7000-8000-000000000000' }));
    expect(frames).toEqual([expect.objectContaining({ type: 'error', code: 'AGENT_NOT_FOUND' })]);
    const error = await client.stream({ message: 'hi', agentId: '00000000-0000-7000-8000-000000000000' }).result().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FleetchatError);
    expect(error).toMatchObject({ code: 'AGENT_NOT_FOUND', status: 404 });
  });

  it('leaving the loop early cancels the answer on the server', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: words(60), chunkDelayMs: 40 });
    const closedBefore = t.upstream.closedConnections;
    let messageId = '';
    for await (const frame of client.stream({ message: 'break early', agentId: t.agents.Aria })) {
      if (frame.type === 'start') messageId = frame.messageId;
      if (frame.type === 'chunk') break;
    }
    await t.upstream.waitForClose(closedBefore + 1);
    // The server stores the cut answer just after it aborts the model call: wait for that write.
    let status: string | undefined;
    for (let attempt = 0; attempt < 50 && status !== 'incomplete'; attempt += 1) {
      const page = await client.history({ agentId: t.agents.Aria, limit: 5 });
      status = page.data.find((item) => item.id === messageId)?.status;
      if (status !== 'incomplete') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe('incomplete');
  });

  it('a bad token: the iterator throws FleetchatError 401 (the upgrade was refused)', async () => {
    const stranger = new FleetchatClient({ baseUrl: t.baseUrl, token: 'not-a-jwt' });
    const error = await collect(stranger.stream({ message: 'hi' })).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FleetchatError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    const anonymous = await new FleetchatClient({ baseUrl: t.baseUrl }).stream({ message: 'hi' }).result().catch((reason: unknown) => reason);
    expect(anonymous).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('closing the client mid-answer throws CONNECTION_CLOSED from the iterator', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: words(60), chunkDelayMs: 40 });
    const own = new FleetchatClient({ baseUrl: t.baseUrl, token: t.adminToken });
    const stream = own.stream({ message: 'closing', agentId: t.agents.Aria });
    const error = await (async () => {
      for await (const frame of stream) if (frame.type === 'chunk') own.close();
    })().catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED', status: 0 });
  });
});
