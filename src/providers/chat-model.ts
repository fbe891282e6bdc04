/**
 * The provider port. A ChatModel streams one answer: zero or more `text-delta` parts, then
 * exactly one `end` part with the provider's usage. Adapters (`openai/`, `anthropic/`, `mock/`)
 * speak their wire protocol and nothing else; fallbacks, timeouts and storage live above them.
 *
 * Errors: an adapter throws `ProviderError` (never a bare Error) for anything that goes wrong
 * upstream, with `retryable` saying whether the next fallback should be tried. When `signal`
 * aborts, the adapter must stop reading and close the upstream connection at once, then throw
 * (an AbortError or a ProviderError with kind `aborted`).
 */

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  /** The provider's own model id (the part after `provider/`). */
  model: string;
  messages: ChatTurn[];
  maxOutputTokens?: number;
  temperature?: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'error' | 'other';

export type ChatStreamPart =
  | { type: 'text-delta'; text: string }
  | {
      type: 'end';
      /** The provider's own figures; undefined when it reported none (then the caller estimates). */
      usage: Usage | undefined;
      finishReason: FinishReason;
    };

export interface ChatModel {
  /** The provider name as configured (`openai`, `local-llm`, …). */
  readonly provider: string;
  stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatStreamPart>;
}

export type ProviderErrorKind =
  /** HTTP status from upstream (see `status`). */
  | 'http'
  /** Could not connect, connection reset, malformed stream. */
  | 'network'
  /** The per-attempt timeout fired. */
  | 'timeout'
  /** The caller aborted (cancel, disconnect, shutdown). */
  | 'aborted';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status?: number;
  /** Whether the next fallback should be tried: network, timeout, 429, 5xx. */
  readonly retryable: boolean;

  constructor(kind: ProviderErrorKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.status = options.status;
    this.retryable =
      kind === 'network' ||
      kind === 'timeout' ||
      (kind === 'http' && options.status !== undefined && (options.status === 429 || options.status >= 500));
  }
}

/** Provider settings, as read from the environment and the fleet file. */
export interface ProviderSettings {
  name: string;
  type: 'openai' | 'anthropic' | 'mock';
  baseUrl?: string;
  apiKey?: string;
  /** mock only: delay before the first chunk. */
  latencyMs?: number;
  /** mock only: delay between chunks. */
  chunkDelayMs?: number;
  /** mock only: lengthen every answer to at least this many words (long streams for benchmarks). */
  answerWords?: number;
  /** Extra HTTP headers for every request (e.g. OpenRouter's). */
  headers?: Record<string, string>;
}
