import { route } from '../route.ts';
import type { AsyncRouter, RoutingMode } from './async-router.ts';
import { createEmbeddingsRouter, type EmbeddingsRouterOptions } from './embeddings-router.ts';
import { createLlmRouter, type LlmRouterOptions } from './llm-router.ts';

export interface RouterDependencies {
  embeddings?: EmbeddingsRouterOptions;
  llm?: LlmRouterOptions;
}

/** The router for `routing.mode`; a stronger mode without its dependencies is a wiring bug. */
export function createRouter(mode: RoutingMode, dependencies: RouterDependencies = {}): AsyncRouter {
  switch (mode) {
    case 'embedded':
      return { mode, route: async (input) => route(input) };
    case 'embeddings':
      if (dependencies.embeddings === undefined) throw new Error('routing mode "embeddings" needs embeddings options (fetch, baseUrl, model)');
      return createEmbeddingsRouter(dependencies.embeddings);
    case 'llm':
      if (dependencies.llm === undefined) throw new Error('routing mode "llm" needs llm options (chatModel, model)');
      return createLlmRouter(dependencies.llm);
  }
}
