import type { AnswerEvent } from './events.ts';

/**
 * The wire form of an answer event, shared by the WebSocket (one JSON text frame each) and
 * Server-Sent Events (the same JSON as `data:` of an event named after `type`).
 */
export type AnswerFrame =
  | ({ type: 'start'; requestId?: string } & Record<string, unknown>)
  | { type: 'chunk'; requestId?: string; seq: number; delta: string }
  | ({ type: 'done'; requestId?: string } & Record<string, unknown>)
  | ({ type: 'error'; requestId?: string; error: string; code: string } & Record<string, unknown>);

export function toFrame(event: AnswerEvent, requestId: string | undefined): AnswerFrame {
  switch (event.type) {
    case 'start': {
      const { type, ...header } = event;
      return { type: 'start', requestId, ...header };
    }
    case 'delta':
      return { type: 'chunk', requestId, seq: event.seq, delta: event.text };
    case 'end': {
      const { type, ...result } = event;
      return { type: 'done', requestId, ...result };
    }
    case 'error': {
      // An error's extra fields must not replace the frame's own `type` or `requestId`.
      // `retryAfter` is a header over REST; a frame has no headers, so it carries it in the JSON.
      const { error, code, type: _type, requestId: _requestId, ...extra } = event.error.toBody() as { error: string; code: string; type?: unknown; requestId?: unknown };
      const retryAfter = event.error.retryAfter !== undefined ? { retryAfter: event.error.retryAfter } : {};
      return { type: 'error', requestId, error, code, ...extra, ...retryAfter };
    }
  }
}
