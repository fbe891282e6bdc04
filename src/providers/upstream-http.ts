/**
 * The HTTP edge shared by the adapters: one streaming POST over an injectable `fetch`, and the
 * mapping of what can go wrong there onto ProviderError kinds.
 */
import { ProviderError } from './chat-model.ts';

export interface StreamingRequest {
  fetch: typeof fetch;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  /** Names the upstream in messages, e.g. `openai (gpt-4o-mini)`. */
  label: string;
}

/** Upstream error bodies can be whole HTML pages; a few hundred characters say enough. */
const errorTextLimit = 500;

/** Sends the request; returns the body stream of a 2xx answer, else throws a ProviderError. */
export async function postStreamingRequest(request: StreamingRequest): Promise<ReadableStream<Uint8Array>> {
  if (request.signal.aborted) throw toTransportError(request.signal.reason, request.signal, request.label);
  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...request.headers },
      body: JSON.stringify(request.body),
      signal: request.signal,
    });
  } catch (error) {
    throw toTransportError(error, request.signal, request.label);
  }
  if (!response.ok) {
    const upstreamText = await readErrorText(response);
    const detail = upstreamText === '' ? response.statusText : upstreamText;
    throw new ProviderError('http', `${request.label} answered HTTP ${response.status}: ${detail}`, {
      status: response.status,
    });
  }
  if (response.body === null) {
    throw new ProviderError('network', `${request.label} answered without a body`);
  }
  return response.body;
}

/**
 * An exception from fetch or a body read: `aborted` when our signal fired (whatever the
 * exception says), else `network` with the socket-level code when there is one.
 */
export function toTransportError(error: unknown, signal: AbortSignal, label: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal.aborted) return new ProviderError('aborted', `${label}: request aborted`, { cause: error });
  return new ProviderError('network', `${label}: ${describeTransportError(error)}`, { cause: error });
}

function describeTransportError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports `fetch failed` and keeps the useful part (ECONNREFUSED, socket closed) in `cause`.
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const parts = [error.message];
  if (cause?.message && cause.message !== error.message) parts.push(cause.message);
  if (cause?.code && !parts.some((part) => part.includes(cause.code!))) parts.push(`(${cause.code})`);
  return parts.join(': ');
}

/** `{"error":{"message":…}}` (OpenAI, Anthropic, most compatible servers) or the raw text. */
async function readErrorText(response: Response): Promise<string> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return '';
  }
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === 'string'
        ? parsed.error
        : typeof parsed.error?.message === 'string'
          ? parsed.error.message
          : typeof parsed.message === 'string'
            ? parsed.message
            : undefined;
    if (message !== undefined) return truncate(message);
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return truncate(text.trim());
}

function truncate(text: string): string {
  return text.length > errorTextLimit ? `${text.slice(0, errorTextLimit)}…` : text;
}

/** `https://host/v1/` → `https://host/v1`, so paths can be appended with one slash. */
export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
