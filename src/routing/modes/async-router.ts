/**
 * The routing modes behind one small interface. `embedded` is the pure router; `embeddings`,
 * `encoder` and `llm` call a provider or a worker and therefore are async, but they never fail a request: on any error
 * they answer with the embedded decision (and report the error through `onFallback`).
 */
import type { RouteInput, RoutingDecision } from '../types.ts';

export type RoutingMode = 'embedded' | 'embeddings' | 'encoder' | 'llm';

export interface AsyncRouter {
  readonly mode: RoutingMode;
  route(input: RouteInput): Promise<RoutingDecision>;
}

/** Called when a stronger mode gave up and the embedded decision was used instead. */
export type FallbackListener = (mode: RoutingMode, error: unknown) => void;

/** Rejects after `timeoutMs` and aborts `controller`, whichever of the two the callee honours. */
export async function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`routing model timed out after ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
