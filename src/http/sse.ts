import type { FastifyReply, FastifyRequest } from 'fastify';
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
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const write = (event: AnswerEvent) => {
    if (response.destroyed) return;
    const frame = toFrame(event, undefined);
    response.write(`event: ${frame.type}\ndata: ${JSON.stringify(frame)}\n\n`);
  };
  const run = (async () => {
    if (!first.done) write(first.value);
    for await (const event of events) {
      if (response.destroyed) break;
      write(event);
    }
    response.end();
  })();
  services.running.add(run);
  try {
    await run;
  } finally {
    services.running.delete(run);
  }
  return reply;
}
