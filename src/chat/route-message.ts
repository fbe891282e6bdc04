import type { Config } from '../config/types.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import { createRouter, type AsyncRouter, type FallbackListener } from '../routing/index.ts';
import type { RouteMessage } from './target.ts';

/**
 * The router named by `routing.mode`, as the pipeline's RouteMessage. `embeddings` and `llm`
 * fall back to the embedded decision on any error, reported through `onFallback`.
 */
export function createRouteMessage(deps: { config: Config; registry: ProviderRegistry; fetch?: typeof fetch; onFallback?: FallbackListener }): RouteMessage {
  const { routing, providers } = deps.config.fleet;
  let router: AsyncRouter;
  if (routing.mode === 'embeddings' && routing.embeddingsModel) {
    const slash = routing.embeddingsModel.indexOf('/');
    const provider = providers.find((candidate) => candidate.name === routing.embeddingsModel?.slice(0, slash));
    router = createRouter('embeddings', {
      embeddings: {
        fetch: deps.fetch ?? fetch,
        baseUrl: provider?.baseUrl ?? 'https://api.openai.com/v1',
        apiKey: provider?.apiKey,
        headers: provider?.headers,
        model: routing.embeddingsModel.slice(slash + 1),
        onFallback: deps.onFallback,
      },
    });
  } else if (routing.mode === 'llm' && routing.llmModel) {
    const resolved = deps.registry.resolve(routing.llmModel);
    if (!resolved) throw new Error(`routing.llmModel "${routing.llmModel}" names no configured provider`);
    router = createRouter('llm', { llm: { chatModel: resolved.chatModel, model: resolved.modelId, onFallback: deps.onFallback } });
  } else {
    router = createRouter('embedded');
  }
  const recentWindowMs = routing.recentWindowMinutes * 60_000;
  return async ({ message, context, snapshot }) => {
    if (snapshot.defaultAgentId === undefined) throw new Error('routing needs at least one agent');
    return router.route({
      message,
      context,
      index: snapshot.index,
      defaultAgentId: snapshot.defaultAgentId,
      options: { recentWindowMs, threshold: routing.threshold },
    });
  };
}
