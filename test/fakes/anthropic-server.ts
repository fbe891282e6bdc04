/**
 * A fake Anthropic Messages API for tests: `POST /v1/messages`, streamed with the real event
 * sequence (message_start, content_block_start, ping, content_block_delta…, content_block_stop,
 * message_delta, message_stop).
 *
 *   const upstream = await startFakeAnthropic();
 *   const model = new AnthropicChatModel({ baseUrl: upstream.url, apiKey: 'test' });  // no /v1
 *   upstream.queueBehaviors({ kind: 'status', status: 529 });
 *
 * Default behaviour: streams `Echo: <last user message>` in word chunks with usage
 * input_tokens = words in all messages and `system`, output_tokens = number of chunks.
 * `usage: null` leaves usage out of message_start and message_delta.
 */
import {
  countWords,
  echoChunks,
  startFakeUpstream,
  type BehaviorSource,
  type FakeBehavior,
  type FakeUpstream,
  type FakeUpstreamOptions,
  type RecordedRequest,
  type WireProtocol,
} from './fake-upstream.ts';

export type { RecordedRequest } from './fake-upstream.ts';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
}

export type AnthropicBehavior = FakeBehavior<AnthropicUsage>;
export type AnthropicBehaviorSource = BehaviorSource<AnthropicUsage>;
export type FakeAnthropic = FakeUpstream<AnthropicUsage>;

function eventFrame(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function openingFrames(request: RecordedRequest, chunks: string[], usage: AnthropicUsage | null): string[] {
  const message: Record<string, unknown> = {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: request.body?.model ?? 'unknown',
    content: [],
    stop_reason: null,
    stop_sequence: null,
  };
  if (usage !== null) message.usage = { input_tokens: usage.input_tokens, output_tokens: 1 };
  const frames = [
    eventFrame('message_start', { message }),
    eventFrame('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    eventFrame('ping', {}),
  ];
  for (const text of chunks) {
    frames.push(eventFrame('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
  }
  return frames;
}

function promptWords(request: RecordedRequest): number {
  const messages = (request.body?.messages ?? []) as Array<{ content?: unknown }>;
  const system = typeof request.body?.system === 'string' ? countWords(request.body.system) : 0;
  return messages.reduce((sum, message) => sum + (typeof message.content === 'string' ? countWords(message.content) : 0), system);
}

const errorTypeOfStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export const anthropicWireProtocol: WireProtocol<AnthropicUsage> = {
  path: '/v1/messages',
  isAuthorized: (request, apiKey) => request.headers['x-api-key'] === apiKey,
  errorBody: (status, message) => ({
    type: 'error',
    error: { type: errorTypeOfStatus[status] ?? 'api_error', message },
  }),
  streamFrames(request, behavior) {
    const usage =
      behavior.usage === null
        ? null
        : (behavior.usage ?? { input_tokens: promptWords(request), output_tokens: behavior.chunks.length });
    const frames = openingFrames(request, behavior.chunks, usage);
    frames.push(eventFrame('content_block_stop', { index: 0 }));
    const messageDelta: Record<string, unknown> = {
      delta: { stop_reason: behavior.finishReason ?? 'end_turn', stop_sequence: null },
    };
    if (usage !== null) messageDelta.usage = { output_tokens: usage.output_tokens };
    frames.push(eventFrame('message_delta', messageDelta));
    frames.push(eventFrame('message_stop', {}));
    return frames;
  },
  partialFrames: (request, chunks) => openingFrames(request, chunks, { input_tokens: promptWords(request), output_tokens: 0 }),
  defaultBehavior: (request) => ({ kind: 'stream', chunks: echoChunks(request) }),
};

/** Starts the fake on 127.0.0.1 (random port); `url` is the base URL without `/v1`. */
export function startFakeAnthropic(options: FakeUpstreamOptions<AnthropicUsage> = {}): Promise<FakeAnthropic> {
  return startFakeUpstream(anthropicWireProtocol, '', options);
}
