import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, type ChatTurn } from '../../src/providers/chat-model.ts';
import { streamWithFallbacks, type AttemptReport, type ModelStreamPart } from '../../src/providers/fallback.ts';
import { createProviderRegistry, type ProviderRegistry } from '../../src/providers/registry.ts';
import { estimateUsage } from '../../src/providers/tokens.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.ts';
import { registryOf, scriptedChatModel } from '../fakes/scripted-chat-model.ts';

const messages: ChatTurn[] = [
  { role: 'system', content: 'You are Nova.' },
  { role: 'user', content: 'Summarize last week.' },
];

async function run(
  registry: ProviderRegistry,
  models: string[],
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
) {
  const parts: ModelStreamPart[] = [];
  const reports: AttemptReport[] = [];
  let error: ProviderError | undefined;
  try {
    for await (const part of streamWithFallbacks(registry, models, { messages }, {
      signal: options.signal ?? new AbortController().signal,
      timeoutMs: options.timeoutMs ?? 5_000,
      onAttempt: (report) => reports.push(report),
    })) {
      parts.push(part);
    }
  } catch (caught) {
    expect(caught).toBeInstanceOf(ProviderError);
    error = caught as ProviderError;
  }
  const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
  const attempts = parts.flatMap((part) => (part.type === 'attempt' ? [part.model] : []));
  const end = parts.find((part) => part.type === 'end') as Extract<ModelStreamPart, { type: 'end' }> | undefined;
  return { parts, reports, error, text, attempts, end };
}

describe('streamWithFallbacks', () => {
  let primary: FakeOpenAI;
  let secondary: FakeOpenAI;
  let registry: ProviderRegistry;

  beforeEach(async () => {
    primary = await startFakeOpenAI();
    secondary = await startFakeOpenAI();
    registry = createProviderRegistry([
      { name: 'primary', type: 'openai', baseUrl: primary.url },
      { name: 'secondary', type: 'openai', baseUrl: secondary.url },
    ]);
  });
  afterEach(async () => {
    await Promise.all([primary.close(), secondary.close()]);
  });

  it('answers with the first model when it works, with its usage', async () => {
    primary.queueBehaviors({ kind: 'stream', chunks: ['Hi', ' there'], usage: { prompt_tokens: 11, completion_tokens: 2 } });
    const result = await run(registry, ['primary/a', 'secondary/b']);
    expect(result.parts).toEqual([
      { type: 'attempt', model: 'primary/a' },
      { type: 'text-delta', text: 'Hi' },
      { type: 'text-delta', text: ' there' },
      { type: 'end', model: 'primary/a', usage: { inputTokens: 11, outputTokens: 2 }, usageEstimated: false, finishReason: 'stop' },
    ]);
    expect(secondary.requests).toHaveLength(0);
    expect(result.reports).toEqual([{ model: 'primary/a', outcome: 'ok', durationMs: expect.any(Number) }]);
  });

  it('after a 429 falls back in order and reports the model that answered', async () => {
    primary.queueBehaviors({ kind: 'status', status: 429 });
    const result = await run(registry, ['primary/a', 'secondary/b']);
    expect(result.attempts).toEqual(['primary/a', 'secondary/b']);
    expect(result.end?.model).toBe('secondary/b');
    expect(result.text).toBe('Echo: Summarize last week.');
    expect(secondary.requests[0].body.model).toBe('b');
    expect(result.reports.map((report) => [report.model, report.outcome, report.error?.status])).toEqual([
      ['primary/a', 'error', 429],
      ['secondary/b', 'ok', undefined],
    ]);
  });

  it('moves on after any error before the first delta, a 400 included (documented policy)', async () => {
    primary.queueBehaviors({ kind: 'status', status: 400 });
    const result = await run(registry, ['primary/a', 'secondary/b']);
    expect(result.end?.model).toBe('secondary/b');
    expect(result.reports[0].error?.retryable).toBe(false);
  });

  it('times an attempt out, closes its upstream, and tries the next model', async () => {
    primary.queueBehaviors({ kind: 'hang' });
    const result = await run(registry, ['primary/a', 'secondary/b'], { timeoutMs: 150 });
    expect(result.end?.model).toBe('secondary/b');
    expect(result.reports[0].error?.kind).toBe('timeout');
    expect(result.reports[0].durationMs).toBeGreaterThanOrEqual(140);
    await primary.waitForClose();
  });

  it('a failure after the first delta is final: no fallback, the error is thrown', async () => {
    primary.queueBehaviors({ kind: 'cut', chunks: ['one ', 'two ', 'three'], afterChunks: 2 });
    const result = await run(registry, ['primary/a', 'secondary/b']);
    expect(result.text).toBe('one two ');
    expect(result.error?.kind).toBe('network');
    expect(result.attempts).toEqual(['primary/a']);
    expect(secondary.requests).toHaveLength(0);
  });

  it('the timeout covers the whole attempt: a slow stream is cut and the error is final', async () => {
    primary.queueBehaviors({ kind: 'stream', chunks: ['a ', 'b ', 'c ', 'd ', 'e '], chunkDelayMs: 100 });
    const result = await run(registry, ['primary/a', 'secondary/b'], { timeoutMs: 250 });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.error?.kind).toBe('timeout');
    expect(secondary.requests).toHaveLength(0);
    await primary.waitForClose();
  });

  it('when every model fails, throws the last error', async () => {
    primary.queueBehaviors({ kind: 'status', status: 500 });
    secondary.queueBehaviors({ kind: 'status', status: 401 });
    const result = await run(registry, ['primary/a', 'secondary/b']);
    expect(result.error?.status).toBe(401);
    expect(result.reports.map((report) => report.outcome)).toEqual(['error', 'error']);

    primary.queueBehaviors({ kind: 'status', status: 503 });
    secondary.queueBehaviors({ kind: 'hang' });
    const timedOut = await run(registry, ['primary/a', 'secondary/b'], { timeoutMs: 100 });
    expect(timedOut.error?.kind).toBe('timeout');
  });

  it('on caller abort throws aborted at once, closes the upstream, tries nothing else', async () => {
    primary.queueBehaviors({ kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const startedAt = performance.now();
    const result = await run(registry, ['primary/a', 'secondary/b'], { signal: controller.signal, timeoutMs: 10_000 });
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(result.error?.kind).toBe('aborted');
    expect(result.attempts).toEqual(['primary/a']);
    expect(secondary.requests).toHaveLength(0);
    await primary.waitForClose();
  });

  it('closes the upstream when the consumer stops iterating', async () => {
    primary.queueBehaviors({ kind: 'stream', chunks: Array.from({ length: 50 }, () => 'x '), chunkDelayMs: 20 });
    const stream = streamWithFallbacks(registry, ['primary/a'], { messages }, {
      signal: new AbortController().signal,
      timeoutMs: 5_000,
    });
    for await (const part of stream) if (part.type === 'text-delta') break;
    await primary.waitForClose();
  });

  it('estimates usage when the provider reports none', async () => {
    primary.queueBehaviors({ kind: 'stream', chunks: ['Hello ', 'world'], usage: null });
    const result = await run(registry, ['primary/a']);
    expect(result.end?.usageEstimated).toBe(true);
    expect(result.end?.usage).toEqual(estimateUsage(messages, 'Hello world'));
  });

  it('does not believe usage that is not token counts: it estimates instead', async () => {
    for (const [inputTokens, outputTokens] of [[1.5, 5], [-5, 2], [3, Infinity], [Number.NaN, 1], [3, 3_000_000_000]]) {
      const odd = scriptedChatModel('odd', async function* () {
        yield { type: 'text-delta', text: 'Hello world' };
        yield { type: 'end', usage: { inputTokens, outputTokens }, finishReason: 'stop' };
      });
      const result = await run(registryOf(odd), ['odd/x']);
      expect(result.end?.usageEstimated, `${inputTokens}, ${outputTokens}`).toBe(true);
      expect(result.end?.usage).toEqual(estimateUsage(messages, 'Hello world'));
    }
    const exact = scriptedChatModel('exact', async function* () {
      yield { type: 'text-delta', text: 'Hello world' };
      yield { type: 'end', usage: { inputTokens: 0, outputTokens: 2_147_483_647 }, finishReason: 'stop' };
    });
    expect((await run(registryOf(exact), ['exact/x'])).end).toMatchObject({ usage: { inputTokens: 0, outputTokens: 2_147_483_647 }, usageEstimated: false });
  });

  it('passes on text both stores can keep: a NUL or a lone surrogate becomes U+FFFD, a pair split across parts is joined', async () => {
    const odd = scriptedChatModel('odd', async function* () {
      yield { type: 'text-delta', text: 'a\u0000b \ud800 c ' };
      yield { type: 'text-delta', text: 'smile \ud83d' }; // the pair of 😀, split across two parts
      yield { type: 'text-delta', text: '\ude00 end \udc00' };
      yield { type: 'text-delta', text: '\ud83d' }; // a high surrogate nothing follows
      yield { type: 'end', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
    });
    const result = await run(registryOf(odd), ['odd/x']);
    expect(result.text).toBe('a\uFFFDb \uFFFD c smile 😀 end \uFFFD\uFFFD');
    expect(result.text.isWellFormed()).toBe(true);
  });

  it('an unknown provider is a failed attempt with a clear message, then the next is tried', async () => {
    const result = await run(registry, ['nowhere/model-x', 'mock/demo']);
    expect(result.attempts).toEqual(['nowhere/model-x', 'mock/demo']);
    expect(result.reports[0].error?.message).toBe(
      'Unknown provider "nowhere" in model "nowhere/model-x"; configure it in the fleet file',
    );
    expect(result.end?.model).toBe('mock/demo');
    expect(result.text).toContain('[mock model demo]');

    const alone = await run(registry, ['nowhere/model-x']);
    expect(alone.error?.message).toContain('Unknown provider "nowhere"');
  });

  it('throws aborted with no attempt when the signal is already aborted, and an error for no models', async () => {
    const aborted = await run(registry, ['mock/demo'], { signal: AbortSignal.abort() });
    expect(aborted.error?.kind).toBe('aborted');
    expect(aborted.parts).toEqual([]);
    expect((await run(registry, [])).error).toBeInstanceOf(ProviderError);
  });
});

describe('streamWithFallbacks with adapters that ignore their signal', () => {
  const never = new Promise<never>(() => {});
  const stubborn = scriptedChatModel('stubborn', async function* () {
    yield { type: 'text-delta', text: '' };
    await never;
  });
  const fine = scriptedChatModel('fine', async function* () {
    yield { type: 'text-delta', text: 'ok' };
    yield { type: 'end', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
  });
  const endless = scriptedChatModel('endless', async function* () {
    yield { type: 'text-delta', text: 'a' };
  });

  it('still times out and falls back', async () => {
    const result = await run(registryOf(stubborn, fine), ['stubborn/x', 'fine/y'], { timeoutMs: 50 });
    expect(result.reports[0].error?.kind).toBe('timeout');
    expect(result.end?.model).toBe('fine/y');
    expect(result.text).toBe('ok');
  });

  it('still aborts at once', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const result = await run(registryOf(stubborn, fine), ['stubborn/x', 'fine/y'], { signal: controller.signal });
    expect(result.error?.kind).toBe('aborted');
    expect(fine.calls).toHaveLength(1); // only from the previous test
  });

  it('treats a stream without an end part as a network failure (final after text)', async () => {
    const result = await run(registryOf(endless, fine), ['endless/x', 'fine/y']);
    expect(result.error?.kind).toBe('network');
    expect(result.text).toBe('a');
  });

  it('wraps a bare Error from an adapter into a ProviderError and moves on', async () => {
    const broken = scriptedChatModel('broken', async function* () {
      throw new TypeError('bug in adapter');
    });
    const result = await run(registryOf(broken, fine), ['broken/x', 'fine/y']);
    expect(result.reports[0].error?.kind).toBe('network');
    expect(result.reports[0].error?.message).toContain('bug in adapter');
    expect(result.end?.model).toBe('fine/y');
  });
});

describe('streamWithFallbacks memory', () => {
  it('does not hold on to the parts it has passed on while the attempt goes on', async () => {
    // Racing every read against one promise that lived as long as the attempt kept each read's
    // result reachable until the attempt ended: memory grew with the length of the answer.
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const passedOn: Array<WeakRef<object>> = [];
    let reachedPause!: () => void;
    const atPause = new Promise<void>((resolve) => (reachedPause = resolve));
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const long = scriptedChatModel('long', async function* () {
      for (let index = 0; index < 100; index += 1) {
        const part = { type: 'text-delta' as const, text: `chunk ${index} ` };
        passedOn.push(new WeakRef(part));
        yield part;
      }
      reachedPause();
      await paused;
      yield { type: 'end', usage: { inputTokens: 1, outputTokens: 100 }, finishReason: 'stop' };
    });
    const consumed = (async () => {
      let chunks = 0;
      for await (const part of streamWithFallbacks(registryOf(long), ['long/x'], { messages }, { signal: new AbortController().signal, timeoutMs: 5_000 })) {
        if (part.type === 'text-delta') chunks += 1;
      }
      return chunks;
    })();
    await atPause;
    // A macrotask boundary first: WeakRef targets are kept alive until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    // The attempt is still running (its model has not ended); the last few parts may still sit
    // in a generator's frame, the first 90 must be gone.
    expect(passedOn.slice(0, 90).filter((reference) => reference.deref() !== undefined)).toHaveLength(0);
    release();
    expect(await consumed).toBe(100);
  });
});
