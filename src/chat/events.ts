import type { AppError } from '../errors.ts';
import type { RoutedBy } from '../store/store.ts';

/** The routing explanation attached when a request asks for it (`explainRouting: true`). */
export interface RoutingExplanation {
  confidence: number;
  candidates: { agentId: string; agentName: string; score: number }[];
}

export interface AnswerHeader {
  sessionId: string;
  agentId: string;
  agentName: string;
  messageId: string;
  userMessageId: string;
  routedBy: RoutedBy;
  routing?: RoutingExplanation;
}

/** The final figures of one answer: the REST body, and the WebSocket `done` frame's fields. */
export interface AnswerResult extends AnswerHeader {
  response: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  model: string;
}

/**
 * The one stream every transport renders: POST /message folds it into a JSON body, the
 * WebSocket and SSE send each event as a frame. `error` may come before `start` (nothing was
 * stored but perhaps the user message) or after it (the answer was cut).
 */
export type AnswerEvent =
  | ({ type: 'start' } & AnswerHeader)
  | { type: 'delta'; seq: number; text: string }
  | ({ type: 'end' } & AnswerResult)
  | { type: 'error'; error: AppError };

export interface AnswerInput {
  message: string;
  agentId?: string;
  sessionId?: string;
  explainRouting?: boolean;
  idempotencyKey?: string;
}
