import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from './schemas.ts';

/**
 * Answers every route may give that its own schema does not list, for the document only: 413 and
 * 415 wherever a body is taken (the body parser refuses before the route runs), and 499 where an
 * answer can be cancelled while the request waits.
 */
const cancellable = new Set(['POST /api/chat/message']);
function documentImplicitErrors(schema: Record<string, any>, method: string, url: string): Record<string, any> {
  if (!schema.body && !cancellable.has(`${method} ${url}`)) return schema;
  const implicit = errorResponses(...(schema.body ? [413, 415] : []), ...(cancellable.has(`${method} ${url}`) ? [499] : []));
  return { ...schema, response: { ...implicit, ...schema.response } };
}

/** /openapi.json and /docs, generated from the route schemas that also validate requests. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'fleetchat', version: '0.1.0', description: 'The AgenFleet Chat API, served by fleetchat. See docs/API.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      return { schema: schema && documentImplicitErrors(schema as Record<string, any>, methods[0] ?? '', url), url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' }, uiHooks: {}, staticCSP: true });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
