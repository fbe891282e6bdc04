/**
 * The Anthropic Messages API (`POST {baseUrl}/v1/messages`, streamed). System turns go to the
 * top-level `system` field: the API accepts only `user` and `assistant` in `messages`.
 */
import {
  ProviderError,
  type ChatModel,
  type ChatRequest,
  type ChatStreamPart,
  type ChatTurn,
  type FinishReason,
} from '../chat-model.ts';
import { parseEventJson, readServerSentEvents } from '../server-sent-events.ts';
import { postStreamingRequest, trimTrailingSlashes } from '../upstream-http.ts';

export const defaultAnthropicBaseUrl = 'https://api.anthropic.com';
export const anthropicVersion = '2023-06-01';
/** The API requires `max_tokens`; this is used when the request sets none. */
export const defaultAnthropicMaxTokens = 4096;

export interface AnthropicChatModelOptions {
  /** The provider name as configured; default `anthropic`. */
  provider?: string;
  /** Without the version segment, e.g. `https://api.anthropic.com`. */
  baseUrl?: string;
  /** Sent as `x-api-key` when set. */
  apiKey?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** The fields of the stream events we read. */
interface StreamEvent {
  type?: string;
  message?: { usage?: AnthropicUsage };
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

export class AnthropicChatModel implements ChatModel {
  readonly provider: string;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly fetchFunction: typeof fetch;

  constructor(options: AnthropicChatModelOptions = {}) {
    this.provider = options.provider ?? 'anthropic';
    this.url = `${trimTrailingSlashes(options.baseUrl ?? defaultAnthropicBaseUrl)}/v1/messages`;
    this.headers = { 'anthropic-version': anthropicVersion, ...options.headers };
    if (options.apiKey) this.headers['x-api-key'] = options.apiKey;
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

    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let finishReason: FinishReason = 'other';
    let sawStop = false;
    for await (const event of readServerSentEvents(body, signal, label)) {
      // Keep reading after message_stop to the end of the body so the connection can be reused.
      if (sawStop) continue;
      const parsed = parseEventJson(event, label) as StreamEvent;
      switch (parsed?.type) {
        case 'content_block_delta':
          // Only text: thinking and tool-input deltas are not part of the answer we relay.
          if (parsed.delta?.type === 'text_delta' && parsed.delta.text) {
            yield { type: 'text-delta', text: parsed.delta.text };
          }
          break;
        case 'message_start':
          inputTokens = totalInputTokens(parsed.message?.usage) ?? inputTokens;
          outputTokens = parsed.message?.usage?.output_tokens ?? outputTokens;
          break;
        case 'message_delta':
          // Usage here is cumulative for the message, so it replaces what message_start said.
          inputTokens = totalInputTokens(parsed.usage) ?? inputTokens;
          outputTokens = parsed.usage?.output_tokens ?? outputTokens;
          if (parsed.delta?.stop_reason) finishReason = mapStopReason(parsed.delta.stop_reason);
          break;
        case 'message_stop':
          sawStop = true;
          break;
        case 'error':
          throw streamErrorToProviderError(parsed.error, label);
        case undefined:
          throw new ProviderError('network', `${label} sent a malformed stream event: ${event.data.slice(0, 120)}`);
        default:
          // ping, content_block_start/stop, and event types added later.
          break;
      }
    }
    if (!sawStop) {
      throw new ProviderError('network', `${label} stream ended before the answer was complete`);
    }
    const usage =
      inputTokens !== undefined && outputTokens !== undefined ? { inputTokens, outputTokens } : undefined;
    yield { type: 'end', usage, finishReason };
  }
}

function buildRequestBody(request: ChatRequest): Record<string, unknown> {
  const systemParts: string[] = [];
  const messages: ChatTurn[] = [];
  for (const turn of request.messages) {
    if (turn.role === 'system') {
      systemParts.push(turn.content);
      continue;
    }
    // Consecutive turns of one role are merged: older API versions and some compatible
    // servers reject them, and the meaning is the same.
    const previous = messages[messages.length - 1];
    if (previous !== undefined && previous.role === turn.role) {
      messages[messages.length - 1] = { role: turn.role, content: `${previous.content}\n\n${turn.content}` };
    } else {
      messages.push({ role: turn.role, content: turn.content });
    }
  }
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxOutputTokens ?? defaultAnthropicMaxTokens,
    messages,
    stream: true,
  };
  if (systemParts.length > 0) body.system = systemParts.join('\n\n');
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

/** Cached prompt tokens are still prompt tokens: the whole prompt is what we report. */
function totalInputTokens(usage: AnthropicUsage | undefined): number | undefined {
  if (usage === undefined || typeof usage.input_tokens !== 'number') return undefined;
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

function mapStopReason(reason: string): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** The HTTP status Anthropic uses for each error type, so `retryable` means the same as for a status. */
const statusOfErrorType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

function streamErrorToProviderError(error: StreamEvent['error'], label: string): ProviderError {
  const message = `${label} failed mid-stream: ${error?.message ?? error?.type ?? 'unknown error'}`;
  const status = error?.type === undefined ? undefined : statusOfErrorType[error.type];
  return status === undefined ? new ProviderError('network', message) : new ProviderError('http', message, { status });
}
