import { route } from '../routing/index.ts';
import type { RouteMessage } from './target.ts';

/** The embedded router (no I/O) as the pipeline's RouteMessage. */
export function createEmbeddedRouteMessage(options: { recentWindowMs: number; threshold?: number }): RouteMessage {
  return async ({ message, context, snapshot }) => {
    if (snapshot.defaultAgentId === undefined) throw new Error('routing needs at least one agent');
    return route({
      message,
      context,
      index: snapshot.index,
      defaultAgentId: snapshot.defaultAgentId,
      options: { recentWindowMs: options.recentWindowMs, threshold: options.threshold },
    });
  };
}
