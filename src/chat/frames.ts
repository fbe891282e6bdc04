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
    case 'error':
      return { type: 'error', requestId, ...(event.error.toBody() as { error: string; code: string }) };
  }
}
