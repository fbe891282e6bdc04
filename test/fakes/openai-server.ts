/**
 * A fake OpenAI Chat Completions server for tests: `POST /v1/chat/completions`, streamed the
 * way OpenAI streams with `stream_options.include_usage` (a usage chunk with empty `choices`,
 * then `data: [DONE]`).
 *
 *   const upstream = await startFakeOpenAI();
 *   const model = new OpenAIChatModel({ baseUrl: upstream.url });   // url ends with /v1
 *   upstream.queueBehaviors({ kind: 'status', status: 429 });       // next request only
 *   upstream.setBehavior((request) => ({ kind: 'stream', chunks: ['Hi', ' there'] }));
 *
 * Default behaviour: streams `Echo: <last user message>` in word chunks with usage
 * prompt_tokens = words in all messages, completion_tokens = number of chunks.
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

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export type OpenAIBehavior = FakeBehavior<OpenAIUsage>;
export type OpenAIBehaviorSource = BehaviorSource<OpenAIUsage>;
export type FakeOpenAI = FakeUpstream<OpenAIUsage>;

const completionId = 'chatcmpl-fake';

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function chunkFrame(request: RecordedRequest, choices: unknown[], usage?: OpenAIUsage): string {
  const chunk: Record<string, unknown> = {
    id: completionId,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: request.body?.model ?? 'unknown',
    choices,
  };
  if (usage !== undefined) chunk.usage = usage;
  return frame(chunk);
}

function deltaFrames(request: RecordedRequest, chunks: string[]): string[] {
  const frames = [chunkFrame(request, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  for (const text of chunks) {
    frames.push(chunkFrame(request, [{ index: 0, delta: { content: text }, finish_reason: null }]));
  }
  return frames;
}

function promptWords(request: RecordedRequest): number {
  const messages = (request.body?.messages ?? []) as Array<{ content?: unknown }>;
  return messages.reduce((sum, message) => sum + (typeof message.content === 'string' ? countWords(message.content) : 0), 0);
}

export const openAIWireProtocol: WireProtocol<OpenAIUsage> = {
  path: '/v1/chat/completions',
  isAuthorized: (request, apiKey) => request.headers.authorization === `Bearer ${apiKey}`,
  errorBody: (status, message) => ({
    error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'fake_error', param: null, code: null },
  }),
  streamFrames(request, behavior) {
    const frames = deltaFrames(request, behavior.chunks);
    frames.push(chunkFrame(request, [{ index: 0, delta: {}, finish_reason: behavior.finishReason ?? 'stop' }]));
    if (behavior.usage !== null) {
      const usage = behavior.usage ?? { prompt_tokens: promptWords(request), completion_tokens: behavior.chunks.length };
      frames.push(chunkFrame(request, [], { ...usage }));
    }
    frames.push('data: [DONE]\n\n');
    return frames;
  },
  partialFrames: deltaFrames,
  defaultBehavior: (request) => ({ kind: 'stream', chunks: echoChunks(request) }),
};

/** Starts the fake on 127.0.0.1 (random port); `url` is the base URL including `/v1`. */
export function startFakeOpenAI(options: FakeUpstreamOptions<OpenAIUsage> = {}): Promise<FakeOpenAI> {
  return startFakeUpstream(openAIWireProtocol, '/v1', options);
}
