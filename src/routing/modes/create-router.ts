import { route } from '../route.ts';
import type { AsyncRouter, RoutingMode } from './async-router.ts';
import { createEmbeddingsRouter, createEncoderRouter, type EmbeddingsRouterOptions, type VectorRouterOptions, type VectorSource } from './embeddings-router.ts';
import { createLlmRouter, type LlmRouterOptions } from './llm-router.ts';

export interface RouterDependencies {
  embeddings?: EmbeddingsRouterOptions;
  encoder?: VectorRouterOptions & { encoder: Required<Pick<VectorSource, 'embed' | 'nearest'>> };
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
    case 'encoder':
      if (dependencies.encoder === undefined) throw new Error('routing mode "encoder" needs a sentence encoder');
      return createEncoderRouter(dependencies.encoder.encoder, dependencies.encoder);
    case 'llm':
      if (dependencies.llm === undefined) throw new Error('routing mode "llm" needs llm options (chatModel, model)');
      return createLlmRouter(dependencies.llm);
  }
}
