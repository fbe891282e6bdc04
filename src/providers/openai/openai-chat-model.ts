/**
 * The OpenAI Chat Completions protocol (`POST {baseUrl}/chat/completions`, streamed), spoken by
 * OpenAI and most self-hosted servers (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter, Groq).
 */
import {
  ProviderError,
  type ChatModel,
  type ChatRequest,
  type ChatStreamPart,
  type FinishReason,
  type Usage,
} from '../chat-model.ts';
import { parseEventJson, readServerSentEvents } from '../server-sent-events.ts';
import { postStreamingRequest, trimTrailingSlashes } from '../upstream-http.ts';

export const defaultOpenAIBaseUrl = 'https://api.openai.com/v1';

export interface OpenAIChatModelOptions {
  /** The provider name as configured; default `openai`. */
  provider?: string;
  /** Up to and including the version segment, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Extra headers for every request (e.g. OpenRouter's `HTTP-Referer`). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** The fields of a streamed chunk we read; everything else is ignored. */
interface CompletionChunk {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; code?: unknown } | string;
}

export class OpenAIChatModel implements ChatModel {
  readonly provider: string;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly fetchFunction: typeof fetch;

  constructor(options: OpenAIChatModelOptions = {}) {
    this.provider = options.provider ?? 'openai';
    this.url = `${trimTrailingSlashes(options.baseUrl ?? defaultOpenAIBaseUrl)}/chat/completions`;
    this.headers = { ...options.headers };
    if (options.apiKey) this.headers.authorization = `Bearer ${options.apiKey}`;
    this.fetchFunction = options.fetch ?? globalThis.fetch;
  }

  async *stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatStreamPart> {
    const label = `${this.provider} (${request.model})`;
    const body = await postStreamingRequest({
      fetch: this.fetchFunction,
      url: this.url,
      headers: this.headers,
      body: buildRequestBody(request),
      signal,
      label,
    });

    let usage: Usage | undefined;
    let finishReason: FinishReason | undefined;
    let sawDone = false;
    for await (const event of readServerSentEvents(body, signal, label)) {
      // Keep reading after [DONE] to the end of the body so the connection can be reused.
      if (sawDone) continue;
      if (event.data === '[DONE]') {
        sawDone = true;
        continue;
      }
      const chunk = parseEventJson(event, label) as CompletionChunk;
      if (chunk === null || typeof chunk !== 'object') {
        throw new ProviderError('network', `${label} sent a malformed stream event: ${event.data.slice(0, 120)}`);
      }
      if (chunk.error !== undefined) {
        const message = typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'unknown error');
        throw new ProviderError('network', `${label} failed mid-stream: ${message}`);
      }
      // With include_usage the last chunk (empty choices) carries the usage; some servers send
      // running totals on every chunk, so the last one seen wins.
      const reported = chunk.usage;
      if (reported && typeof reported.prompt_tokens === 'number' && typeof reported.completion_tokens === 'number') {
        usage = { inputTokens: reported.prompt_tokens, outputTokens: reported.completion_tokens };
      }
      const choice = chunk.choices?.[0];
      if (choice === undefined) continue;
      const text = choice.delta?.content;
      if (typeof text === 'string' && text.length > 0) yield { type: 'text-delta', text };
      if (choice.finish_reason) finishReason = mapFinishReason(choice.finish_reason);
    }
    // Without [DONE] and without a finish_reason the connection was cut mid-answer: failing is
    // the only honest outcome, the answer may be missing its end.
    if (!sawDone && finishReason === undefined) {
      throw new ProviderError('network', `${label} stream ended before the answer was complete`);
    }
    yield { type: 'end', usage, finishReason: finishReason ?? 'other' };
  }
}

function buildRequestBody(request: ChatRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    messages: request.messages.map((turn) => ({ role: turn.role, content: turn.content })),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.maxOutputTokens !== undefined) {
    // OpenAI's reasoning models refuse `max_tokens`; compatible servers mostly know only it.
    body[isReasoningModel(request.model) ? 'max_completion_tokens' : 'max_tokens'] = request.maxOutputTokens;
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

function isReasoningModel(modelId: string): boolean {
  return /^(o\d|gpt-5)/.test(modelId);
}

function mapFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}
