import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/auth-service.ts';
import { AppError } from '../errors.ts';

/** The caller, set by the auth hook; a route without one is a wiring bug, not a client error. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHORIZED', 'Missing or invalid token.');
  return request.principal;
}
