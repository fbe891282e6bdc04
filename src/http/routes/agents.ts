import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AgentInput } from '../../agents/agent-service.ts';
import { toAgentView } from '../../agents/agent-view.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { principalOf } from '../principal.ts';
import { AgentStatsResponse, AgentView, AgentsQuery, CreateAgentBody, IdParams, Pagination, StatsQuery, UpdateAgentBody, errorResponses } from '../schemas.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function registerAgentRoutes(root: FastifyInstance, services: Services): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { agents, store } = services;
  const security = [{ bearer: [] }];

  app.get(
    '/api/agents',
    { schema: { tags: ['agents'], summary: 'The workspace\'s agents', security, querystring: AgentsQuery, response: { 200: Type.Object({ data: Type.Array(AgentView), pagination: Pagination }), ...errorResponses(400, 401) } } },
    async (request) => {
      const principal = principalOf(request);
      const limit = request.query.limit ?? 20;
      const offset = request.query.offset ?? 0;
      const page = await agents.list(principal.workspaceId, { status: request.query.status, limit, offset });
      return { data: page.data, pagination: { total: page.total, limit, offset, hasMore: offset + page.data.length < page.total } };
    },
  );

  app.get(
    '/api/agents/:id',
    { schema: { tags: ['agents'], summary: 'One agent', security, params: IdParams, response: { 200: AgentView, ...errorResponses(401, 404) } } },
    async (request) => agents.view(principalOf(request).workspaceId, request.params.id),
  );

  app.post(
    '/api/agents',
    { config: { admin: true }, schema: { tags: ['agents'], summary: 'Create an agent (admin)', security, body: CreateAgentBody, response: { 201: AgentView, ...errorResponses(400, 401, 403, 409) } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const agent = await agents.create(principal.workspaceId, request.body as AgentInput);
      return reply.code(201).send(toAgentView(agent, undefined, null));
    },
  );

  app.patch(
    '/api/agents/:id',
    { config: { admin: true }, schema: { tags: ['agents'], summary: 'Change an agent (admin)', security, params: IdParams, body: UpdateAgentBody, response: { 200: AgentView, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request) => {
      const principal = principalOf(request);
      await agents.update(principal.workspaceId, request.params.id, request.body);
      return agents.view(principal.workspaceId, request.params.id);
    },
  );

  app.delete(
    '/api/agents/:id',
    { config: { admin: true }, schema: { tags: ['agents'], summary: 'Archive an agent (admin); its history stays readable', security, params: IdParams, response: { 200: AgentView, ...errorResponses(401, 403, 404) } } },
    async (request) => {
      const principal = principalOf(request);
      await agents.archive(principal.workspaceId, request.params.id);
      return agents.view(principal.workspaceId, request.params.id);
    },
  );

  app.get(
    '/api/agents/:id/stats',
    {
      config: { admin: true },
      schema: { tags: ['agents'], summary: 'Feedback, usage and latency of an agent (admin; default: the last 30 days)', security, params: IdParams, querystring: StatsQuery, response: { 200: AgentStatsResponse, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => {
      const principal = principalOf(request);
      const agent = await agents.get(principal.workspaceId, request.params.id);
      const to = request.query.to ? new Date(request.query.to) : new Date();
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - 30 * DAY_MS);
      if (from.getTime() > to.getTime()) throw new AppError('VALIDATION_ERROR', '`from` must not be after `to`.');
      const stats = await store.agentStats({ workspaceId: principal.workspaceId, agentId: agent.id, from, to });
      return { agentId: agent.id, from: from.toISOString(), to: to.toISOString(), ...stats };
    },
  );
}
