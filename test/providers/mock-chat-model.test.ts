import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatRequest } from '../../src/providers/chat-model.ts';
import { MockChatModel, splitIntoChunks } from '../../src/providers/mock/mock-chat-model.ts';
import { estimateUsage } from '../../src/providers/tokens.ts';
import { collectStream, streamError } from './conformance.ts';

const request: ChatRequest = {
  model: 'demo-1',
  messages: [
    { role: 'system', content: 'You are Aria.' },
    { role: 'user', content: 'What is the status of the Q1 campaign?' },
  ],
};

describe('MockChatModel', () => {
  it('answers deterministically, says it is the mock, and quotes the last user message', async () => {
    const chatModel = new MockChatModel();
    const first = await collectStream(chatModel, request);
    const second = await collectStream(new MockChatModel(), request);
    const answer = first.deltas.join('');
    expect(second.deltas).toEqual(first.deltas);
    expect(answer.startsWith('[mock model demo-1] You said: "What is the status of the Q1 campaign?".')).toBe(true);
    expect(chatModel.provider).toBe('mock');
  });

  it('gives different conversations different closing sentences (hash-picked)', async () => {
    const answers = new Set<string>();
    for (let index = 0; index < 20; index++) {
      const { deltas } = await collectStream(new MockChatModel(), {
        model: 'demo-1',
        messages: [{ role: 'user', content: `question ${index}` }],
      });
      answers.add(deltas.join('').replace(/^.*?"\. /, ''));
    }
    expect(answers.size).toBeGreaterThan(2);
  });

  it('streams several chunks of about three words that join back exactly', async () => {
    const { deltas, end } = await collectStream(new MockChatModel(), request);
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    for (const delta of deltas.slice(0, -1)) expect(delta.trim().split(/\s+/)).toHaveLength(3);
    expect(splitIntoChunks('a  b c\nd e').join('')).toBe('a  b c\nd e');
    expect(end?.finishReason).toBe('stop');
    expect(end?.usage).toEqual(estimateUsage(request.messages, deltas.join('')));
  });

  it('shortens a long quoted message and honours maxOutputTokens with finish reason length', async () => {
    const long = 'word '.repeat(200);
    const full = await collectStream(new MockChatModel(), { model: 'm', messages: [{ role: 'user', content: long }] });
    expect(full.deltas.join('')).toContain('…');
    const limited = await collectStream(new MockChatModel(), {
      model: 'm',
      messages: [{ role: 'user', content: long }],
      maxOutputTokens: 5,
    });
    expect(limited.end?.finishReason).toBe('length');
    expect(limited.end?.usage?.outputTokens).toBeLessThanOrEqual(5);
  });

  it('says so when there is no user message', async () => {
    const { deltas } = await collectStream(new MockChatModel(), { model: 'm', messages: [{ role: 'system', content: 's' }] });
    expect(deltas.join('')).toContain('You sent no message.');
  });

  it('with no delays uses no timers at all', async () => {
    const originalSetTimeout = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return originalSetTimeout(...args);
    }) as typeof setTimeout;
    try {
      await collectStream(new MockChatModel(), request);
    } finally {
      globalThis.setTimeout = originalSetTimeout;
    }
    expect(timers).toBe(0);
  });

  it('waits latencyMs before the first chunk and chunkDelayMs between chunks', async () => {
    const chatModel = new MockChatModel({ latencyMs: 60, chunkDelayMs: 10 });
    const startedAt = performance.now();
    let firstChunkAt = 0;
    let chunks = 0;
    for await (const part of chatModel.stream(request, new AbortController().signal)) {
      if (part.type === 'text-delta' && chunks++ === 0) firstChunkAt = performance.now();
    }
    const total = performance.now() - startedAt;
    expect(firstChunkAt - startedAt).toBeGreaterThanOrEqual(55);
    expect(total).toBeGreaterThanOrEqual(55 + (chunks - 1) * 9);
  });

  it('honours abort during the latency, between chunks, and before starting', async () => {
    const slow = new MockChatModel({ latencyMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const startedAt = performance.now();
    expect((await streamError(slow, request, controller.signal)).kind).toBe('aborted');
    expect(performance.now() - startedAt).toBeLessThan(1_000);

    const chunked = new MockChatModel({ chunkDelayMs: 10_000 });
    const midStream = new AbortController();
    const received: string[] = [];
    let caught: unknown;
    try {
      for await (const part of chunked.stream(request, midStream.signal)) {
        if (part.type === 'text-delta') received.push(part.text);
        setTimeout(() => midStream.abort(), 10);
      }
    } catch (error) {
      caught = error;
    }
    expect(received).toHaveLength(1);
    expect(caught).toBeInstanceOf(ProviderError);
    expect((caught as ProviderError).kind).toBe('aborted');

    expect((await streamError(new MockChatModel(), request, AbortSignal.abort())).kind).toBe('aborted');
  });
});

describe('mock answerWords', () => {
  it('lengthens answers to at least that many words, deterministically, in more chunks', async () => {
    const model = new MockChatModel({ answerWords: 150 });
    const request = { model: 'long', messages: [{ role: 'user' as const, content: 'hi' }] };
    const read = async () => {
      const parts: string[] = [];
      for await (const part of model.stream(request, new AbortController().signal)) if (part.type === 'text-delta') parts.push(part.text);
      return parts;
    };
    const first = await read();
    expect(first.join('').split(/\s+/).length).toBeGreaterThanOrEqual(150);
    expect(first.length).toBeGreaterThanOrEqual(50);
    expect(await read()).toEqual(first);
  });
});
