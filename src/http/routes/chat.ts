import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../../errors.ts';
import type { AnswerEvent, AnswerInput, AnswerResult } from '../../chat/events.ts';
import { cancelKey } from '../../chat/chat-service.ts';
import { toFeedbackView } from '../../chat/history-service.ts';
import { decisionOf } from '../../chat/target.ts';
import type { Services } from '../../services.ts';
import { principalOf } from '../principal.ts';
import {
  AnswerView,
  FeedbackBody,
  FeedbackResponse,
  HistoryQuery,
  HistoryResponse,
  IdParams,
  RouteBody,
  RouteView,
  SendMessageBody,
  SessionsQuery,
  SessionsResponse,
  errorResponses,
} from '../schemas.ts';
import { streamEventsAsSse, wantsEventStream } from '../sse.ts';

/** A controller aborted when the client goes away before its response is complete. */
export function disconnectController(request: FastifyRequest, reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort('disconnected');
  });
  return controller;
}

/** Folds the event stream into the one JSON answer of POST /message. */
async function collectAnswer(events: AsyncIterable<AnswerEvent>): Promise<AnswerResult> {
  for await (const event of events) {
    if (event.type === 'end') {
      const { type, ...result } = event;
      return result;
    }
    if (event.type === 'error') throw event.error;
  }
  throw new AppError('INTERNAL', 'The answer ended without a result.');
}

export async function registerChatRoutes(root: FastifyInstance, services: Services): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { chat, history, coordination, store, config } = services;
  const security = [{ bearer: [] }];

  app.post(
    '/api/chat/message',
    {
      schema: {
        tags: ['chat'],
        summary: 'Send a message and get the whole answer (or Server-Sent Events with Accept: text/event-stream)',
        security,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
        body: SendMessageBody(config.maxMessageChars),
        response: { 200: AnswerView, ...errorResponses(400, 401, 404, 409, 413, 422, 429, 502, 503, 504) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const input: AnswerInput = { ...request.body, idempotencyKey: request.headers['idempotency-key'] };
      const controller = disconnectController(request, reply);
      const events = chat.answer(principal, input, { controller, receivedAt: request.startedAt });
      if (wantsEventStream(request)) return streamEventsAsSse(reply, events, services);
      const done = collectAnswer(events);
      services.running.add(done);
      try {
        return await done;
      } finally {
        services.running.delete(done);
      }
    },
  );

  app.post(
    '/api/chat/messages/:id/cancel',
    {
      schema: {
        tags: ['chat'],
        summary: 'Stop an answer that is still being generated, on whichever instance runs it',
        security,
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Literal(true), status: Type.Literal('incomplete') }), ...errorResponses(401, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const id = request.params.id;
      if (await coordination.cancels.cancel(cancelKey(principal.userId, id))) return { ok: true as const, status: 'incomplete' as const };
      const message = await store.getMessage(principal.workspaceId, id);
      if (!message || message.userId !== principal.userId) throw notFound('message');
      throw new AppError('NOT_IN_PROGRESS', 'This answer has already ended; there is nothing to cancel.');
    },
  );

  app.get(
    '/api/chat/history',
    { schema: { tags: ['chat'], summary: 'Messages of a session, an agent, or everything the caller may read', security, querystring: HistoryQuery, response: { 200: HistoryResponse, ...errorResponses(400, 401) } } },
    async (request) => {
      const query = request.query;
      return history.history(principalOf(request), {
        sessionId: query.sessionId,
        agentId: query.agentId,
        limit: query.limit ?? 50,
        offset: query.offset,
        order: query.order ?? 'desc',
        before: query.before,
        after: query.after,
      });
    },
  );

  app.get(
    '/api/chat/sessions',
    {
      schema: {
        tags: ['chat'],
        summary: 'The caller\'s sessions, newest first (admins: `all=true` for the workspace\'s)',
        security,
        querystring: SessionsQuery,
        response: { 200: SessionsResponse, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const query = request.query;
      return history.sessions(principalOf(request), { agentId: query.agentId, all: query.all, limit: query.limit ?? 50, offset: query.offset, cursor: query.cursor });
    },
  );

  app.post(
    '/api/chat/route',
    {
      schema: {
        tags: ['chat'],
        summary: 'Which agent a message would go to, and why, without sending it: nothing is stored and no model answers',
        security,
        body: RouteBody(config.maxMessageChars),
        response: { 200: RouteView, ...errorResponses(400, 401, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      return decisionOf(await chat.preview(principalOf(request), request.body));
    },
  );

  app.post(
    '/api/chat/feedback',
    { schema: { tags: ['chat'], summary: 'Rate an answer from 1 to 5, with an optional comment', security, body: FeedbackBody, response: { 200: FeedbackResponse, ...errorResponses(400, 401, 404) } } },
    async (request) => {
      const feedback = await history.rate(principalOf(request), request.body);
      return { ok: true as const, feedback: toFeedbackView(feedback) };
    },
  );
}
