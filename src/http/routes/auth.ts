import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { toPublicUser } from '../../auth/auth-service.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { principalOf } from '../principal.ts';
import { ChangePasswordBody, ChangeRoleBody, CreateUserBody, IdParams, SetPasswordBody, LoginBody, LoginResponse, PageQuery, Pagination, UserView, errorResponses } from '../schemas.ts';

export async function registerAuthRoutes(root: FastifyInstance, services: Services): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { auth, store, coordination, config } = services;

  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: { tags: ['auth'], summary: 'Log in and get a JWT', body: LoginBody, response: { 200: LoginResponse, ...errorResponses(400, 401, 429) } },
    },
    async (request) => {
      await limitPasswordTries(request.ip);
      return auth.login(request.body.email, request.body.password);
    },
  );

  // Every try at a password counts against the same per-address limit: a stolen token must not
  // be a way to guess its owner's password faster than the login allows.
  async function limitPasswordTries(ip: string): Promise<void> {
    const limit = config.rateLimits.loginPer15Min;
    const decision = await coordination.rateLimiter.hit(`login:${ip}`, limit, 15 * 60_000);
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.resetMs / 1000));
      throw new AppError('RATE_LIMITED', `Too many login attempts from this address; retry in ${seconds} s.`, { retryAfter: seconds, rateLimit: { limit, remaining: 0, resetSeconds: seconds } });
    }
  }

  app.post(
    '/api/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your own password: every token issued before stops working; the answer carries a new one',
        security: [{ bearer: [] }],
        body: ChangePasswordBody,
        response: { 200: LoginResponse, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request) => {
      await limitPasswordTries(request.ip);
      return auth.changePassword(principalOf(request), request.body.currentPassword, request.body.newPassword);
    },
  );

  app.get('/api/auth/me', { schema: { tags: ['auth'], summary: 'The caller', security: [{ bearer: [] }], response: { 200: Type.Object({ user: UserView }), ...errorResponses(401) } } }, async (request) => {
    const principal = principalOf(request);
    const user = await store.getUser(principal.userId);
    if (!user) throw new AppError('UNAUTHORIZED', 'The token belongs to no current user; log in again.');
    return { user: toPublicUser(user) };
  });

  app.post(
    '/api/users',
    {
      config: { admin: true },
      schema: { tags: ['users'], summary: 'Create a user in the admin\'s workspace', security: [{ bearer: [] }], body: CreateUserBody, response: { 201: UserView, ...errorResponses(400, 401, 403, 409) } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await auth.createUser({ workspaceId: principal.workspaceId, email: request.body.email, password: request.body.password, role: request.body.role ?? 'member' });
      return reply.code(201).send(toPublicUser(user));
    },
  );

  app.get(
    '/api/users',
    {
      config: { admin: true },
      schema: {
        tags: ['users'],
        summary: 'List the users of the admin\'s workspace',
        security: [{ bearer: [] }],
        querystring: Type.Object(PageQuery(100, 20), { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(UserView), pagination: Pagination }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const limit = request.query.limit ?? 20;
      const offset = request.query.offset ?? 0;
      const page = await store.listUsers(principal.workspaceId, limit, offset);
      return { data: page.data.map(toPublicUser), pagination: { total: page.total, limit, offset, hasMore: offset + page.data.length < page.total } };
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: { admin: true },
      schema: {
        tags: ['users'],
        summary: 'Change another user\'s role: it applies at the user\'s next request',
        security: [{ bearer: [] }],
        params: IdParams,
        body: ChangeRoleBody,
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => auth.changeRole(principalOf(request), request.params.id, request.body.role),
  );

  app.post(
    '/api/users/:id/password',
    {
      config: { admin: true },
      schema: {
        tags: ['users'],
        summary: 'Set another user\'s password (a forgotten one): its tokens stop working at once',
        security: [{ bearer: [] }],
        params: IdParams,
        body: SetPasswordBody,
        response: { 200: Type.Object({ ok: Type.Literal(true) }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      await auth.setPassword(principalOf(request), request.params.id, request.body.password);
      return { ok: true as const };
    },
  );

  app.delete(
    '/api/users/:id',
    {
      config: { admin: true },
      schema: { tags: ['users'], summary: 'Delete a user: its tokens stop working at once', security: [{ bearer: [] }], params: IdParams, response: { 200: Type.Object({ ok: Type.Literal(true) }), ...errorResponses(401, 403, 404, 409) } },
    },
    async (request) => {
      await auth.deleteUser(principalOf(request), request.params.id);
      return { ok: true as const };
    },
  );
}
