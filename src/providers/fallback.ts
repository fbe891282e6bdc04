/**
 * One model call with fallbacks: the default model, then each fallback in order, each attempt
 * under its own timeout. The chat service consumes the parts and renders them for HTTP and the
 * WebSocket alike.
 *
 * Policy (API.md: "fallbacks tried in order on error, timeout, 429 or 5xx"):
 * - Any failure before the first text-delta moves on to the next model, whatever its kind,
 *   except a caller abort. That includes 400/401: a misconfigured provider (bad key, unknown
 *   model id) is exactly the case where a fallback on another provider still helps. The
 *   attempt's `retryable` flag is reported through `onAttempt` for logs and metrics.
 * - Once a text-delta has been yielded, a failure is final: the caller already relayed part of
 *   an answer and stores it as incomplete; a second model would start a different answer.
 * - When every model fails, the last error is thrown.
 */
import { ProviderError, type ChatStreamPart, type ChatTurn, type FinishReason, type Usage } from './chat-model.ts';
import type { ProviderRegistry } from './registry.ts';
import { estimateUsage } from './tokens.ts';

export type ModelStreamPart =
  /** An attempt starts (qualified name); repeats after a failure, before any text. */
  | { type: 'attempt'; model: string }
  | { type: 'text-delta'; text: string }
  | { type: 'end'; model: string; usage: Usage; usageEstimated: boolean; finishReason: FinishReason };

export interface FallbackRequest {
  messages: ChatTurn[];
  maxOutputTokens?: number;
  temperature?: number;
}

export interface AttemptReport {
  model: string;
  outcome: 'ok' | 'error';
  error?: ProviderError;
  durationMs: number;
}

export interface FallbackOptions {
  /** The caller's signal: cancel, client disconnect, shutdown. */
  signal: AbortSignal;
  /** Per attempt, from the request to the end of the stream (PROVIDER_TIMEOUT_MS). */
  timeoutMs: number;
  onAttempt?: (report: AttemptReport) => void;
}

// setTimeout treats larger delays as 1 ms; anything this long means "no timeout" in practice.
const longestTimerMs = 2_147_483_647;
const abortedMarker = Symbol('aborted');

export async function* streamWithFallbacks(
  registry: ProviderRegistry,
  models: string[],
  request: FallbackRequest,
  options: FallbackOptions,
): AsyncGenerator<ModelStreamPart> {
  const { signal, timeoutMs, onAttempt } = options;
  let lastError: ProviderError | undefined;

  for (const model of models) {
    if (signal.aborted) throw callerAbortError(signal.reason);
    yield { type: 'attempt', model };
    const startedAt = performance.now();
    const resolved = registry.resolve(model);
    if (resolved === undefined) {
      lastError = unknownModelError(model);
      onAttempt?.({ model, outcome: 'error', error: lastError, durationMs: performance.now() - startedAt });
      continue;
    }

    // A child controller per attempt: aborting it (timeout, caller abort, early exit) closes
    // this attempt's upstream connection without touching the caller's signal.
    const attemptController = new AbortController();
    const onCallerAbort = (): void => attemptController.abort(signal.reason);
    signal.addEventListener('abort', onCallerAbort, { once: true });
    let timedOut = false;
    const timer =
      timeoutMs > 0 && timeoutMs <= longestTimerMs
        ? setTimeout(() => {
            timedOut = true;
            attemptController.abort(new ProviderError('timeout', `${model} timed out`));
          }, timeoutMs)
        : undefined;
    const iterator = resolved.chatModel
      .stream(
        {
          model: resolved.modelId,
          messages: request.messages,
          maxOutputTokens: request.maxOutputTokens,
          temperature: request.temperature,
        },
        attemptController.signal,
      )
      [Symbol.asyncIterator]();
    // Every read is raced against the attempt's abort, so a timeout or abort ends the attempt at
    // once even when an adapter (or an injected fetch) is slow to honour its signal. One abort
    // listener for the whole attempt settles whichever read is pending: racing each read against
    // one promise that lives as long as the attempt (`Promise.race([next, aborted])`) would leave
    // a reaction on it per read, each holding its chunk until the attempt ends (memory that grew
    // with the length of the answer, about 0.5 KB a chunk, measured by bench/ws-slow-reader.ts),
    // and a listener added and removed per read costs two EventTarget calls per chunk.
    const attemptSignal = attemptController.signal;
    let settlePending: ((value: typeof abortedMarker) => void) | undefined;
    const onAttemptAbort = (): void => settlePending?.(abortedMarker);
    attemptSignal.addEventListener('abort', onAttemptAbort, { once: true });
    const nextOrAbort = (): Promise<IteratorResult<ChatStreamPart> | typeof abortedMarker> =>
      new Promise((resolve, reject) => {
        if (attemptSignal.aborted) {
          resolve(abortedMarker);
          return;
        }
        settlePending = resolve;
        iterator.next().then(
          (result) => {
            settlePending = undefined;
            resolve(result);
          },
          (error: unknown) => {
            settlePending = undefined;
            reject(error);
          },
        );
      });
    let output = '';
    // A high surrogate that ended a part, held for the low one that may start the next.
    let held = '';
    let yieldedText = false;
    let end: Extract<ChatStreamPart, { type: 'end' }> | undefined;
    let failure: ProviderError | undefined;
    try {
      while (true) {
        const result = await nextOrAbort();
        if (result === abortedMarker) throw attemptController.signal.reason;
        if (result.done) throw new ProviderError('network', `${model} ended its stream without an end part`);
        const part = result.value;
        if (part.type === 'end') {
          end = part;
          if (held.length > 0) {
            // A high surrogate nothing followed: not a character.
            output += '\uFFFD';
            yieldedText = true;
            yield { type: 'text-delta', text: '\uFFFD' };
          }
          break;
        }
        if (part.text.length === 0) continue;
        const storable = storableText(held + part.text);
        held = storable.held;
        if (storable.text.length === 0) continue;
        output += storable.text;
        yieldedText = true;
        yield storable.text === part.text ? part : { type: 'text-delta', text: storable.text };
      }
    } catch (error) {
      failure = classifyFailure(error, { model, timeoutMs, timedOut, signal });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', onCallerAbort);
      attemptSignal.removeEventListener('abort', onAttemptAbort);
      settlePending = undefined;
      if (end === undefined) {
        // Failed, timed out, or our consumer stopped iterating: make sure the upstream stops.
        attemptController.abort(signal.reason);
        iterator.return?.().catch(() => {});
      }
    }

    const durationMs = performance.now() - startedAt;
    if (end !== undefined) {
      onAttempt?.({ model, outcome: 'ok', durationMs });
      const reported = tokenCounts(end.usage);
      const usageEstimated = reported === undefined;
      const usage = reported ?? estimateUsage(request.messages, output);
      yield { type: 'end', model, usage, usageEstimated, finishReason: end.finishReason };
      return;
    }
    const error = failure ?? new ProviderError('network', `${model} failed`);
    onAttempt?.({ model, outcome: 'error', error, durationMs });
    if (error.kind === 'aborted' || yieldedText) throw error;
    lastError = error;
  }

  throw lastError ?? new ProviderError('network', 'No model to call: the agent has no model configured');
}

function classifyFailure(
  error: unknown,
  context: { model: string; timeoutMs: number; timedOut: boolean; signal: AbortSignal },
): ProviderError {
  // The caller's abort wins over everything: whatever the adapter threw, the user stopped it.
  if (context.signal.aborted) {
    return error instanceof ProviderError && error.kind === 'aborted' ? error : callerAbortError(error);
  }
  if (context.timedOut) {
    return new ProviderError('timeout', `${context.model} did not finish within ${context.timeoutMs} ms`, {
      cause: error,
    });
  }
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError('network', `${context.model} failed: ${message}`, { cause: error });
}

function callerAbortError(cause: unknown): ProviderError {
  return new ProviderError('aborted', 'The model call was cancelled', { cause });
}

function unknownModelError(model: string): ProviderError {
  const slash = model.indexOf('/');
  if (slash <= 0) {
    return new ProviderError('network', `Model "${model}" is not of the form provider/model`);
  }
  const provider = model.slice(0, slash);
  return new ProviderError(
    'network',
    `Unknown provider "${provider}" in model "${model}"; configure it in the fleet file`,
  );
}

// The store's per-message token columns are 32-bit integers.
const MOST_TOKENS = 2_147_483_647;

/**
 * A provider's usage, when both figures are token counts: whole, not negative, within the store's
 * columns. A server that reports 1.5, -5 or 1e309 is not believed (such figures were stored as
 * they came and then broke every history page and agent listing that read them); the answer's
 * usage is then estimated, as when none is reported.
 */
function tokenCounts(usage: Usage | undefined): Usage | undefined {
  const isCount = (value: number) => Number.isInteger(value) && value >= 0 && value <= MOST_TOKENS;
  return usage !== undefined && isCount(usage.inputTokens) && isCount(usage.outputTokens) ? usage : undefined;
}

/**
 * A part's text as both stores can keep it and as every transport sends it: a NUL or a lone
 * surrogate from the provider becomes U+FFFD (PostgreSQL cannot store NUL, and neither store
 * stores a lone surrogate: such an answer was lost, with a 500, after it had been streamed). A high
 * surrogate at the very end is held back: its pair may open the next part.
 */
function storableText(text: string): { text: string; held: string } {
  const last = text.charCodeAt(text.length - 1);
  const held = last >= 0xd800 && last <= 0xdbff ? text.slice(-1) : '';
  const body = held.length > 0 ? text.slice(0, -1) : text;
  const wellFormed = body.isWellFormed() ? body : body.toWellFormed();
  return { text: wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '\uFFFD') : wellFormed, held };
}
