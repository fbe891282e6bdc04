/** The routing domain's public surface: pure embedded router, decision formatting, async modes. */
export type {
  AgentProfile,
  RouteInput,
  RouterIndex,
  RouterOptions,
  RoutingCandidate,
  RoutingContext,
  RoutingDecision,
  RoutingStrategy,
} from './types.ts';
export { buildRouterIndex, buildRouterIndexSteps, scoreMessage, trainingTexts, DEFAULT_THRESHOLD, type RouterIndexOptions } from './router-index.ts';
export { route, isShortFollowUp } from './route.ts';
export { formatDecision } from './format-decision.ts';
export type { AsyncRouter, FallbackListener, RoutingMode } from './modes/async-router.ts';
export { createRouter, type RouterDependencies } from './modes/create-router.ts';
export { createEmbeddingsRouter, createEncoderRouter, createVectorRouter, type EmbeddingsRouterOptions, type VectorRouter, type VectorRouterOptions, type VectorSource } from './modes/embeddings-router.ts';
export { createLlmRouter, type LlmRouterOptions } from './modes/llm-router.ts';
export { createWordVectors, decodeWordVectors, encodeWordVectors, WordVectorsFormatError, type WordVectors } from './word-vectors.ts';
export type { BuildSteps } from './build-steps.ts';
