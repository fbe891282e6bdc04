import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Principal } from './auth/auth-service.ts';
import { AppError } from './errors.ts';
import { errorHandler, sendError } from './http/error-handler.ts';
import { registerAgentRoutes } from './http/routes/agents.ts';
import { registerAuthRoutes } from './http/routes/auth.ts';
import { registerChatRoutes } from './http/routes/chat.ts';
import { registerConsoleRoutes } from './http/routes/console.ts';
import { registerOperationsRoutes } from './http/routes/operations.ts';
import { ErrorBody } from './http/schemas.ts';
import { addSharedSchema, validatorCompiler } from './http/validation.ts';
import { registerOpenApi } from './http/openapi.ts';
import type { Services } from './services.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    startedAt: number;
  }
  interface FastifyContextConfig {
    /** No token needed (login, health, docs). */
    public?: boolean;
    /** Only admins of the workspace. */
    admin?: boolean;
  }
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Test hook: extra routes or plugins registered before the app is ready. */
  extend?: (app: FastifyInstance) => Promise<void> | void;
}

/** Strips `token` from a query string so that no log line ever carries a JWT. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]');
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Builds the HTTP app without listening: tests drive it in process (inject) or on a real
 * socket; main.ts listens. Every route needs a token unless its config says `public`.
 */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config, auth, coordination, metrics } = services;
  const app = Fastify({
    logger: options.logger ?? false,
    // Our onResponse hook writes the one line per request, with the token redacted.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: config.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
  });
  services.useLogger(app.log);
  addSharedSchema(ErrorBody as typeof ErrorBody & { $id: string });
  app.addSchema(ErrorBody);
  app.setValidatorCompiler(validatorCompiler);
  // Bodies are JSON only: without this, a text/plain body reached validation as a string (400
  // "body must be object") instead of the 415 that tells the client what to send.
  app.removeContentTypeParser('text/plain');
  // Some clients send "Content-Type: application/json" on every request: on a route that takes
  // no body (cancel, DELETE) an empty one is no body, not a 400. Routes with a body schema still
  // refuse it ("The body is empty"), and every other body goes through Fastify's own parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.routeOptions.schema?.body === undefined) return done(null, undefined);
    parseJson(request, body as string, done);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new AppError('NOT_FOUND', `No route ${request.method} ${redactUrl(request.url.split('?')[0])}; see /docs for the API.`));
  });

  app.decorateRequest('principal', undefined);
  app.decorateRequest('startedAt', 0);

  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = performance.now();
    const routeConfig = request.routeOptions.config;
    const routeUrl = request.routeOptions.url;
    if (routeUrl === undefined || routeConfig.public || routeUrl.startsWith('/docs')) return;
    request.principal = await auth.authenticate(bearerToken(request.headers.authorization));
    if (routeConfig.admin && request.principal.role !== 'admin') {
      throw new AppError('FORBIDDEN', 'Only an admin of this workspace may do this.');
    }
    const limit = config.rateLimits.requestsPerMin;
    const decision = await coordination.rateLimiter.hit(`requests:${request.principal.userId}`, limit, 60_000);
    if (limit > 0) {
      reply.header('x-ratelimit-limit', String(decision.limit));
      reply.header('x-ratelimit-remaining', String(Math.max(0, decision.remaining)));
      reply.header('x-ratelimit-reset', String(Math.ceil(decision.resetMs / 1000)));
    }
    if (!decision.allowed) {
      throw new AppError('RATE_LIMITED', `Too many requests: at most ${decision.limit} a minute; retry in ${Math.ceil(decision.resetMs / 1000)} s.`, {
        retryAfter: Math.max(1, Math.ceil(decision.resetMs / 1000)),
      });
    }
  });

  // One line per request; the query string's token and every body stay out of it. A request
  // whose client went away before the response gets its line too, with status 499 (client closed
  // request, as proxies log it): Fastify calls no onResponse for it.
  const logged = new WeakSet<FastifyRequest>();
  const accessLine = (request: FastifyRequest, status: number): void => {
    if (logged.has(request)) return;
    logged.add(request);
    const seconds = (performance.now() - request.startedAt) / 1000;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.request(request.method, route, status, seconds);
    request.log.info(
      { method: request.method, url: redactUrl(request.url), status, ms: Math.round(seconds * 10_000) / 10, user: request.principal?.userId },
      'request',
    );
  };
  app.addHook('onResponse', async (request, reply) => accessLine(request, reply.statusCode));
  // (Fastify's onRequestAbort fires only while a body is still arriving, not while it is answered.)
  // A callback hook, not an async one: nothing to wait for, so no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) accessLine(request, 499);
    });
    done();
  });

  await registerOpenApi(app);
  await registerOperationsRoutes(app, services);
  await registerAuthRoutes(app, services);
  await registerChatRoutes(app, services);
  await registerAgentRoutes(app, services);
  await registerConsoleRoutes(app, services);
  await options.extend?.(app);
  return app;
}
