import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicChatModel } from '../../src/providers/anthropic/anthropic-chat-model.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.ts';
import { collectStream, runChatModelConformance, streamError, unusedLocalPort } from './conformance.ts';

runChatModelConformance('anthropic', async () => {
  const upstream = await startFakeAnthropic();
  return {
    upstream,
    chatModel: new AnthropicChatModel({ baseUrl: upstream.url, apiKey: 'sk-ant-test' }),
    streamBehavior: (chunks, usage, extra = {}) => ({
      kind: 'stream',
      chunks,
      usage: usage === null ? null : { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
      ...extra,
    }),
    lengthFinishReason: 'max_tokens',
    checkRequest(recorded, request) {
      expect(recorded.path).toBe('/v1/messages');
      expect(recorded.headers['x-api-key']).toBe('sk-ant-test');
      expect(recorded.headers['anthropic-version']).toBe('2023-06-01');
      expect(recorded.headers.authorization).toBeUndefined();
      expect(recorded.body.max_tokens).toBe(request.maxOutputTokens);
      expect(recorded.body.system).toBe('You are Nova, a research analyst.');
      expect(recorded.body.messages).toEqual(request.messages.filter((turn) => turn.role !== 'system'));
    },
    unreachableChatModel: async () =>
      new AnthropicChatModel({ baseUrl: `http://127.0.0.1:${await unusedLocalPort()}` }),
  };
});

describe('AnthropicChatModel specifics', () => {
  let upstream: FakeAnthropic;
  afterEach(async () => {
    await upstream?.close();
  });

  it('defaults max_tokens to 4096, omits system when there is none, merges same-role turns', async () => {
    upstream = await startFakeAnthropic();
    const chatModel = new AnthropicChatModel({ baseUrl: upstream.url });
    const { deltas } = await collectStream(chatModel, {
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'user', content: 'first' },
        { role: 'user', content: 'second' },
      ],
    });
    expect(deltas.join('')).toBe('Echo: first\n\nsecond');
    const body = upstream.requests[0].body;
    expect(body.max_tokens).toBe(4096);
    expect(body.system).toBeUndefined();
    expect(body.messages).toEqual([{ role: 'user', content: 'first\n\nsecond' }]);
    expect(upstream.requests[0].headers['x-api-key']).toBeUndefined();
  });

  it('joins several system turns into the top-level system field', async () => {
    upstream = await startFakeAnthropic();
    await collectStream(new AnthropicChatModel({ baseUrl: upstream.url }), {
      model: 'm',
      messages: [
        { role: 'system', content: 'SOUL' },
        { role: 'user', content: 'hello' },
        { role: 'system', content: 'Note: be brief.' },
      ],
    });
    expect(upstream.requests[0].body.system).toBe('SOUL\n\nNote: be brief.');
    expect(upstream.requests[0].body.messages).toEqual([{ role: 'user', content: 'hello' }]);
  });

  it('counts cached prompt tokens as input and reads cumulative output from message_delta', async () => {
    const body = [
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":1}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{}"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join('');
    upstream = await startFakeAnthropic({ queue: [{ kind: 'raw', body }] });
    const { deltas, end } = await collectStream(new AnthropicChatModel({ baseUrl: upstream.url }), {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(deltas).toEqual(['hi']);
    expect(end).toEqual({ type: 'end', usage: { inputTokens: 1110, outputTokens: 42 }, finishReason: 'stop' });
  });

  it('an error event mid-stream becomes a ProviderError with the matching status', async () => {
    const body =
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":1,"output_tokens":1}}}\n\n' +
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    upstream = await startFakeAnthropic({ queue: [{ kind: 'raw', body }] });
    const error = await streamError(new AnthropicChatModel({ baseUrl: upstream.url }), {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(error.kind).toBe('http');
    expect(error.status).toBe(529);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('Overloaded');
  });

  it('a stream without message_stop is a network error', async () => {
    upstream = await startFakeAnthropic({
      queue: [{ kind: 'raw', body: 'event: ping\ndata: {"type":"ping"}\n\n' }],
    });
    const error = await streamError(new AnthropicChatModel({ baseUrl: upstream.url }), {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(error.kind).toBe('network');
  });
});
