/**
 * Turns provider settings into ChatModels and resolves `provider/model` names. The `mock`
 * provider is always present so a fleet without any key still answers (the demo fleet).
 */
import type { ChatModel, ProviderSettings } from './chat-model.ts';
import { AnthropicChatModel } from './anthropic/anthropic-chat-model.ts';
import { MockChatModel } from './mock/mock-chat-model.ts';
import { OpenAIChatModel } from './openai/openai-chat-model.ts';

export interface ResolvedModel {
  chatModel: ChatModel;
  /** The provider's own model id, e.g. `meta-llama/llama-3` for `openrouter/meta-llama/llama-3`. */
  modelId: string;
  /** The name as given, `provider/model`. */
  qualified: string;
}

export interface ProviderRegistry {
  /** undefined when the provider is not configured or the name has no `provider/` part. */
  resolve(qualifiedModel: string): ResolvedModel | undefined;
  /** Configured provider names, `mock` included, in configuration order. */
  names(): string[];
  has(name: string): boolean;
}

export interface ProviderRegistryOptions {
  /** Used by the HTTP adapters; the global fetch when absent (tests inject their own). */
  fetch?: typeof fetch;
}

export const mockProviderName = 'mock';

export function createProviderRegistry(
  settings: ProviderSettings[],
  options: ProviderRegistryOptions = {},
): ProviderRegistry {
  const chatModels = new Map<string, ChatModel>();
  for (const setting of settings) {
    if (chatModels.has(setting.name)) {
      throw new Error(`Provider "${setting.name}" is configured twice; give each provider a distinct name`);
    }
    chatModels.set(setting.name, createChatModel(setting, options));
  }
  if (!chatModels.has(mockProviderName)) {
    chatModels.set(mockProviderName, new MockChatModel({ provider: mockProviderName }));
  }

  return {
    resolve(qualifiedModel) {
      const parts = splitQualifiedModel(qualifiedModel);
      if (parts === undefined) return undefined;
      const chatModel = chatModels.get(parts.provider);
      if (chatModel === undefined) return undefined;
      return { chatModel, modelId: parts.modelId, qualified: qualifiedModel };
    },
    names: () => [...chatModels.keys()],
    has: (name) => chatModels.has(name),
  };
}

/**
 * `provider/model`, split on the FIRST slash: model ids may contain slashes themselves
 * (`openrouter/meta-llama/llama-3`). undefined when either side is empty.
 */
export function splitQualifiedModel(qualifiedModel: string): { provider: string; modelId: string } | undefined {
  const slash = qualifiedModel.indexOf('/');
  if (slash <= 0 || slash === qualifiedModel.length - 1) return undefined;
  return { provider: qualifiedModel.slice(0, slash), modelId: qualifiedModel.slice(slash + 1) };
}

function createChatModel(setting: ProviderSettings, options: ProviderRegistryOptions): ChatModel {
  const common = {
    provider: setting.name,
    baseUrl: setting.baseUrl,
    apiKey: setting.apiKey,
    headers: setting.headers,
    fetch: options.fetch,
  };
  switch (setting.type) {
    case 'openai':
      return new OpenAIChatModel(common);
    case 'anthropic':
      return new AnthropicChatModel(common);
    case 'mock':
      return new MockChatModel({
        provider: setting.name,
        latencyMs: setting.latencyMs,
        chunkDelayMs: setting.chunkDelayMs,
        answerWords: setting.answerWords,
      });
    default: {
      // Config validation rejects unknown types; this guards callers that skip it.
      const unknownType: never = setting.type;
      throw new Error(`Provider "${setting.name}" has unknown type "${String(unknownType)}"; use openai, anthropic or mock`);
    }
  }
}
