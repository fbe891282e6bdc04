import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import type { AnswerEvent } from '../chat/events.ts';
import { toFrame } from '../chat/frames.ts';
import type { Services } from '../services.ts';

export function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/**
 * POST /message as Server-Sent Events: `start`, `chunk`…, then `done` or `error`, each with
 * the same JSON as the WebSocket frame. The status is 200 once streaming begins; an error
 * before the first event is still a plain JSON error with its own status.
 */
export async function streamEventsAsSse(reply: FastifyReply, events: AsyncGenerator<AnswerEvent>, services: Services): Promise<FastifyReply> {
  const first = await events.next();
  if (!first.done && first.value.type === 'error') throw first.value.error;
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    // Headers set before the answer started (X-RateLimit-* of the request limit): a hijacked
    // reply does not send them by itself.
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const limit = services.config.ws.maxBufferedBytes;
  const write = (event: AnswerEvent) => {
    if (response.destroyed) return;
    const frame = toFrame(event, undefined);
    response.write(`event: ${frame.type}\ndata: ${JSON.stringify(frame)}\n\n`);
    // A client that stops reading must not grow our memory: past the same bound as a
    // WebSocket, drop it; the disconnect cancels the answer and stores the prefix.
    if (response.writableLength > limit) response.destroy();
  };
  const run = (async () => {
    try {
      if (!first.done) write(first.value);
      for await (const event of events) {
        if (response.destroyed) break;
        write(event);
      }
    } finally {
      // Headers are out: whatever went wrong, the stream is ended, never left hanging.
      if (!response.destroyed) response.end();
    }
  })();
  services.running.add(run);
  try {
    await run;
  } finally {
    services.running.delete(run);
  }
  return reply;
}
