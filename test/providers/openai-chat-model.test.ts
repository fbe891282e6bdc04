import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/chat-model.ts';
import { OpenAIChatModel } from '../../src/providers/openai/openai-chat-model.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.ts';
import { collectStream, runChatModelConformance, streamError, unusedLocalPort } from './conformance.ts';

runChatModelConformance('openai', async () => {
  const upstream = await startFakeOpenAI();
  return {
    upstream,
    chatModel: new OpenAIChatModel({ baseUrl: upstream.url, apiKey: 'sk-test', headers: { 'x-title': 'fleetchat' } }),
    streamBehavior: (chunks, usage, extra = {}) => ({
      kind: 'stream',
      chunks,
      usage: usage === null ? null : { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens },
      ...extra,
    }),
    lengthFinishReason: 'length',
    checkRequest(recorded, request) {
      expect(recorded.path).toBe('/v1/chat/completions');
      expect(recorded.headers.authorization).toBe('Bearer sk-test');
      expect(recorded.headers['x-title']).toBe('fleetchat');
      expect(recorded.body.stream_options).toEqual({ include_usage: true });
      expect(recorded.body.messages).toEqual(request.messages);
      expect(recorded.body.max_tokens).toBe(request.maxOutputTokens);
    },
    unreachableChatModel: async () =>
      new OpenAIChatModel({ baseUrl: `http://127.0.0.1:${await unusedLocalPort()}/v1` }),
  };
});

describe('OpenAIChatModel specifics', () => {
  let upstream: FakeOpenAI;
  afterEach(async () => {
    await upstream?.close();
  });

  it('sends no Authorization header without an apiKey, and tolerates a trailing slash in baseUrl', async () => {
    upstream = await startFakeOpenAI();
    const chatModel = new OpenAIChatModel({ baseUrl: `${upstream.url}/`, provider: 'local-llm' });
    expect(chatModel.provider).toBe('local-llm');
    const { deltas } = await collectStream(chatModel, { model: 'llama3.2', messages: [{ role: 'user', content: 'hi there' }] });
    expect(deltas.join('')).toBe('Echo: hi there');
    expect(upstream.requests[0].path).toBe('/v1/chat/completions');
    expect(upstream.requests[0].headers.authorization).toBeUndefined();
    expect(upstream.requests[0].body.max_tokens).toBeUndefined();
  });

  it('uses max_completion_tokens for reasoning models', async () => {
    upstream = await startFakeOpenAI();
    const chatModel = new OpenAIChatModel({ baseUrl: upstream.url });
    await collectStream(chatModel, { model: 'o3-mini', messages: [{ role: 'user', content: 'x' }], maxOutputTokens: 50 });
    expect(upstream.requests[0].body.max_completion_tokens).toBe(50);
    expect(upstream.requests[0].body.max_tokens).toBeUndefined();
  });

  it('maps content_filter and unknown finish reasons', async () => {
    upstream = await startFakeOpenAI({
      queue: [
        { kind: 'stream', chunks: ['x'], finishReason: 'content_filter' },
        { kind: 'stream', chunks: ['x'], finishReason: 'tool_calls' },
      ],
    });
    const chatModel = new OpenAIChatModel({ baseUrl: upstream.url });
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };
    expect((await collectStream(chatModel, request)).end?.finishReason).toBe('content-filter');
    expect((await collectStream(chatModel, request)).end?.finishReason).toBe('other');
  });

  it('parses events split anywhere across network chunks, CRLF line ends and comments', async () => {
    const body =
      ': keep-alive\r\n\r\n' +
      'data: {"choices":[{"delta":{"content":"héllo "},"finish_reason":null}]}\r\n\r\n' +
      'data: {"choices":[{"delta":{"content":"wörld 🌍"},"finish_reason":"stop"}]}\r\n\r\n' +
      'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}\r\n\r\n' +
      'data: [DONE]\r\n\r\n';
    const bytes = new TextEncoder().encode(body);
    // One byte per network chunk: splits UTF-8 sequences and \r\n pairs.
    const fetchOneByteAtATime: typeof fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
            controller.close();
          },
        }),
        { status: 200, headers: { 'content-type': 'text/event-stream' } },
      );
    const chatModel = new OpenAIChatModel({ baseUrl: 'http://127.0.0.1:1/v1', fetch: fetchOneByteAtATime });
    const { deltas, end } = await collectStream(chatModel, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(deltas).toEqual(['héllo ', 'wörld 🌍']);
    expect(end).toEqual({ type: 'end', usage: { inputTokens: 7, outputTokens: 3 }, finishReason: 'stop' });
  });

  it('accepts a stream that has a finish_reason but no [DONE]', async () => {
    upstream = await startFakeOpenAI({
      queue: [{ kind: 'raw', body: 'data: {"choices":[{"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\n' }],
    });
    const { deltas, end } = await collectStream(new OpenAIChatModel({ baseUrl: upstream.url }), {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(deltas).toEqual(['ok']);
    expect(end?.finishReason).toBe('stop');
  });

  it('turns an error object inside the stream into a ProviderError', async () => {
    upstream = await startFakeOpenAI({ queue: [{ kind: 'raw', body: 'data: {"error":{"message":"model overloaded"}}\n\n' }] });
    const error = await streamError(new OpenAIChatModel({ baseUrl: upstream.url }), {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('model overloaded');
  });

  it('the fake answers 401 when it requires a key the client does not send', async () => {
    upstream = await startFakeOpenAI({ apiKey: 'right' });
    const error = await streamError(new OpenAIChatModel({ baseUrl: upstream.url, apiKey: 'wrong' }), {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(error.status).toBe(401);
    expect(error.message).toContain('Invalid API key');
  });
});
