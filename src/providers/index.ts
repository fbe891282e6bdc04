/** The providers folder's public surface: the port, the registry, fallbacks and token counting. */
export * from './chat-model.ts';
export { AnthropicChatModel, type AnthropicChatModelOptions } from './anthropic/anthropic-chat-model.ts';
export { MockChatModel, type MockChatModelOptions } from './mock/mock-chat-model.ts';
export { OpenAIChatModel, type OpenAIChatModelOptions } from './openai/openai-chat-model.ts';
export {
  createProviderRegistry,
  splitQualifiedModel,
  mockProviderName,
  type ProviderRegistry,
  type ProviderRegistryOptions,
  type ResolvedModel,
} from './registry.ts';
export {
  streamWithFallbacks,
  type AttemptReport,
  type FallbackOptions,
  type FallbackRequest,
  type ModelStreamPart,
} from './fallback.ts';
export { countTokens, countTurnTokens, estimateUsage, truncateToTokens } from './tokens.ts';
