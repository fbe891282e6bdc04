import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.ts';

const startedAt = Date.now();

export async function registerOperationsRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { store, coordination, metrics } = services;

  app.get(
    '/api/health',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Liveness and readiness: 503 when the store or Redis is unreachable',
        response: {
          200: Type.Object({ status: Type.String(), store: Type.String(), coordination: Type.String(), uptimeSeconds: Type.Integer() }, { additionalProperties: true }),
          503: Type.Object({ status: Type.String(), store: Type.String(), coordination: Type.String(), error: Type.String(), code: Type.String() }, { additionalProperties: true }),
        },
      },
    },
    async (_request, reply) => {
      const [storeUp, coordinationUp] = await Promise.all([store.ping().catch(() => false), coordination.ping().catch(() => false)]);
      const body = { store: store.kind, coordination: coordination.kind, uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000) };
      if (storeUp && coordinationUp) return { status: 'ok', ...body };
      const down = !storeUp ? `the ${store.kind} store` : 'Redis';
      return reply.code(503).send({ status: 'unavailable', ...body, error: `${down} is unreachable.`, code: 'UNAVAILABLE' });
    },
  );

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return metrics.text();
  });
}
