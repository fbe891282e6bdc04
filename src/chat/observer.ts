import type { RoutedBy } from '../store/store.ts';

/** What the chat pipeline reports as it runs; metrics/ implements it, tests may record it. */
export interface ChatObserver {
  routed(strategy: RoutedBy): void;
  answered(info: { agentId: string; agentName: string; model: string; inputTokens: number; outputTokens: number; durationMs: number }): void;
  failed(info: { agentId: string; code: string }): void;
  /** One call of a model; `error` says why a failed one failed (for the operator's log). */
  providerAttempt(info: { model: string; outcome: 'ok' | 'error'; durationMs: number; errorKind?: string; error?: string; agentId?: string }): void;
}
