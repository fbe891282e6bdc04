/**
 * The shared conformance suite for ChatModel adapters: every adapter that talks to an upstream
 * over HTTP runs these same cases against its fake server (DESIGN.md, habit 1).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ProviderError,
  type ChatModel,
  type ChatRequest,
  type ChatStreamPart,
  type Usage,
} from '../../src/providers/chat-model.ts';
import type { FakeBehavior, FakeUpstream, RecordedRequest } from '../fakes/fake-upstream.ts';

export interface ConformanceFixture {
  chatModel: ChatModel;
  upstream: FakeUpstream<any>;
  /** A `stream` behaviour in the protocol's usage shape; `usage: null` sends none. */
  streamBehavior(
    chunks: string[],
    usage: Usage | null,
    extra?: { finishReason?: string; chunkDelayMs?: number; firstByteDelayMs?: number },
  ): FakeBehavior<any>;
  /** The protocol's wire value for "stopped at the token limit". */
  lengthFinishReason: string;
  /** Protocol-specific checks of what the adapter sent for `request`. */
  checkRequest(recorded: RecordedRequest, request: ChatRequest): void;
  /** A ChatModel of the same kind pointed at a port where nothing listens. */
  unreachableChatModel(): Promise<ChatModel>;
}

export interface CollectedStream {
  deltas: string[];
  end: Extract<ChatStreamPart, { type: 'end' }> | undefined;
  parts: ChatStreamPart[];
}

export async function collectStream(
  chatModel: ChatModel,
  request: ChatRequest,
  signal: AbortSignal = new AbortController().signal,
): Promise<CollectedStream> {
  const parts: ChatStreamPart[] = [];
  for await (const part of chatModel.stream(request, signal)) parts.push(part);
  const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
  const end = parts.find((part) => part.type === 'end') as CollectedStream['end'];
  return { deltas, end, parts };
}

/** Resolves to the error the stream throws; fails the test when it does not throw. */
export async function streamError(
  chatModel: ChatModel,
  request: ChatRequest,
  signal?: AbortSignal,
): Promise<ProviderError> {
  try {
    await collectStream(chatModel, request, signal);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the stream to fail');
}

const basicRequest: ChatRequest = {
  model: 'test-model-1',
  messages: [
    { role: 'system', content: 'You are Nova, a research analyst.' },
    { role: 'user', content: 'What did competitors announce?' },
    { role: 'assistant', content: 'Two launches.' },
    { role: 'user', content: 'Tell me more about the first one.' },
  ],
  maxOutputTokens: 300,
  temperature: 0.2,
};

export function runChatModelConformance(name: string, setup: () => Promise<ConformanceFixture>): void {
  describe(`${name}: ChatModel conformance`, () => {
    let fixture: ConformanceFixture;
    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      await fixture.upstream.close();
    });

    it('streams the deltas in order, then exactly one end part', async () => {
      const chunks = ['Hello', ', ', 'wörld ', '🌍', ' and more.'];
      fixture.upstream.queueBehaviors(fixture.streamBehavior(chunks, { inputTokens: 10, outputTokens: 5 }));
      const { deltas, parts } = await collectStream(fixture.chatModel, basicRequest);
      expect(deltas).toEqual(chunks);
      expect(parts.filter((part) => part.type === 'end')).toHaveLength(1);
      expect(parts[parts.length - 1].type).toBe('end');
      // A completed answer is read to its end: the connection was not torn down.
      expect(fixture.upstream.closedConnections).toBe(0);
    });

    it('passes the provider usage through exactly, with finish reason stop', async () => {
      fixture.upstream.queueBehaviors(fixture.streamBehavior(['a', 'b'], { inputTokens: 3840, outputTokens: 612 }));
      const { end } = await collectStream(fixture.chatModel, basicRequest);
      expect(end).toEqual({ type: 'end', usage: { inputTokens: 3840, outputTokens: 612 }, finishReason: 'stop' });
    });

    it('reports undefined usage when the provider sends none', async () => {
      fixture.upstream.queueBehaviors(fixture.streamBehavior(['a', 'b'], null));
      const { deltas, end } = await collectStream(fixture.chatModel, basicRequest);
      expect(deltas).toEqual(['a', 'b']);
      expect(end?.usage).toBeUndefined();
    });

    it('maps the token-limit finish reason to length', async () => {
      fixture.upstream.queueBehaviors(
        fixture.streamBehavior(['cut'], { inputTokens: 1, outputTokens: 1 }, { finishReason: fixture.lengthFinishReason }),
      );
      const { end } = await collectStream(fixture.chatModel, basicRequest);
      expect(end?.finishReason).toBe('length');
    });

    it('ends cleanly with no text at all', async () => {
      fixture.upstream.queueBehaviors(fixture.streamBehavior([], { inputTokens: 4, outputTokens: 0 }));
      const { deltas, end } = await collectStream(fixture.chatModel, basicRequest);
      expect(deltas).toEqual([]);
      expect(end?.usage).toEqual({ inputTokens: 4, outputTokens: 0 });
    });

    it('sends the request the protocol wants', async () => {
      await collectStream(fixture.chatModel, basicRequest);
      expect(fixture.upstream.requests).toHaveLength(1);
      const recorded = fixture.upstream.requests[0];
      expect(recorded.method).toBe('POST');
      expect(recorded.headers['content-type']).toContain('application/json');
      expect(recorded.body.model).toBe('test-model-1');
      expect(recorded.body.stream).toBe(true);
      expect(recorded.body.temperature).toBe(0.2);
      fixture.checkRequest(recorded, basicRequest);
    });

    for (const [status, retryable] of [
      [500, true],
      [503, true],
      [429, true],
      [400, false],
      [401, false],
      [404, false],
    ] as const) {
      it(`turns HTTP ${status} into ProviderError http ${status}, retryable ${retryable}, with the upstream text`, async () => {
        fixture.upstream.queueBehaviors({ kind: 'status', status });
        const error = await streamError(fixture.chatModel, basicRequest);
        expect(error.kind).toBe('http');
        expect(error.status).toBe(status);
        expect(error.retryable).toBe(retryable);
        expect(error.message).toContain(`Fake upstream error ${status}`);
      });
    }

    it('keeps a non-JSON error body readable in the message', async () => {
      fixture.upstream.queueBehaviors({ kind: 'status', status: 502, body: '<html>Bad gateway from proxy</html>' });
      const error = await streamError(fixture.chatModel, basicRequest);
      expect(error.status).toBe(502);
      expect(error.message).toContain('Bad gateway from proxy');
    });

    it('on abort mid-stream: throws aborted and closes the upstream connection', async () => {
      const chunks = Array.from({ length: 40 }, (_, index) => `chunk${index} `);
      fixture.upstream.queueBehaviors(fixture.streamBehavior(chunks, null, { chunkDelayMs: 25 }));
      const controller = new AbortController();
      const received: string[] = [];
      let caught: unknown;
      try {
        for await (const part of fixture.chatModel.stream(basicRequest, controller.signal)) {
          if (part.type === 'text-delta') received.push(part.text);
          if (received.length === 2) controller.abort();
        }
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ProviderError);
      expect((caught as ProviderError).kind).toBe('aborted');
      expect(received.length).toBeLessThan(5);
      await fixture.upstream.waitForClose();
      expect(fixture.upstream.closedConnections).toBe(1);
    });

    it('a consumer that stops iterating closes the upstream connection', async () => {
      const chunks = Array.from({ length: 40 }, (_, index) => `chunk${index} `);
      fixture.upstream.queueBehaviors(fixture.streamBehavior(chunks, null, { chunkDelayMs: 25 }));
      for await (const part of fixture.chatModel.stream(basicRequest, new AbortController().signal)) {
        if (part.type === 'text-delta') break;
      }
      await fixture.upstream.waitForClose();
    });

    it('on abort before the first byte: throws aborted and closes the upstream connection', async () => {
      fixture.upstream.queueBehaviors({ kind: 'hang' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const error = await streamError(fixture.chatModel, basicRequest, controller.signal);
      expect(error.kind).toBe('aborted');
      await fixture.upstream.waitForClose();
    });

    it('with an already aborted signal: throws aborted without calling upstream', async () => {
      const error = await streamError(fixture.chatModel, basicRequest, AbortSignal.abort());
      expect(error.kind).toBe('aborted');
      expect(fixture.upstream.requests).toHaveLength(0);
    });

    it('a connection cut mid-stream is a network error, after the deltas that arrived', async () => {
      fixture.upstream.queueBehaviors({ kind: 'cut', chunks: ['one ', 'two ', 'three ', 'four'], afterChunks: 2 });
      const received: string[] = [];
      let caught: unknown;
      try {
        for await (const part of fixture.chatModel.stream(basicRequest, new AbortController().signal)) {
          if (part.type === 'text-delta') received.push(part.text);
        }
      } catch (error) {
        caught = error;
      }
      expect(received).toEqual(['one ', 'two ']);
      expect(caught).toBeInstanceOf(ProviderError);
      expect((caught as ProviderError).kind).toBe('network');
      expect((caught as ProviderError).retryable).toBe(true);
    });

    it('a malformed event stream is a network error', async () => {
      fixture.upstream.queueBehaviors({ kind: 'raw', body: 'data: {"this is": not json}\n\n' });
      const error = await streamError(fixture.chatModel, basicRequest);
      expect(error.kind).toBe('network');
      expect(error.message).toContain('malformed');
    });

    it('a 200 answer that is not an event stream at all is a network error', async () => {
      fixture.upstream.queueBehaviors({ kind: 'raw', body: '{"unexpected":"json"}', contentType: 'application/json' });
      const error = await streamError(fixture.chatModel, basicRequest);
      expect(error.kind).toBe('network');
    });

    it('an unreachable upstream is a retryable network error', async () => {
      const error = await streamError(await fixture.unreachableChatModel(), basicRequest);
      expect(error.kind).toBe('network');
      expect(error.retryable).toBe(true);
    });
  });
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function unusedLocalPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
