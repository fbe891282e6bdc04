/**
 * An in-process ChatModel whose behaviour a test writes as an async generator, for tests that
 * need exact control above the adapters (fallbacks, the chat pipeline) without HTTP.
 *
 *   const model = scriptedChatModel('flaky', async function* (request, signal) {
 *     yield { type: 'text-delta', text: 'partial' };
 *     throw new ProviderError('network', 'boom');
 *   });
 */
import type { ChatModel, ChatRequest, ChatStreamPart } from '../../src/providers/chat-model.ts';
import type { ProviderRegistry, ResolvedModel } from '../../src/providers/registry.ts';

export type ChatScript = (request: ChatRequest, signal: AbortSignal) => AsyncIterable<ChatStreamPart>;

export interface ScriptedChatModel extends ChatModel {
  /** Every request this model received, in order. */
  readonly calls: ChatRequest[];
}

export function scriptedChatModel(provider: string, script: ChatScript): ScriptedChatModel {
  const calls: ChatRequest[] = [];
  return {
    provider,
    calls,
    stream(request, signal) {
      calls.push(request);
      return script(request, signal);
    },
  };
}

/** A registry over the given models, keyed by their `provider` (no mock added). */
export function registryOf(...chatModels: ChatModel[]): ProviderRegistry {
  const byName = new Map(chatModels.map((chatModel) => [chatModel.provider, chatModel]));
  return {
    resolve(qualifiedModel): ResolvedModel | undefined {
      const slash = qualifiedModel.indexOf('/');
      const chatModel = slash > 0 ? byName.get(qualifiedModel.slice(0, slash)) : undefined;
      return chatModel && { chatModel, modelId: qualifiedModel.slice(slash + 1), qualified: qualifiedModel };
    },
    names: () => [...byName.keys()],
    has: (name) => byName.has(name),
  };
}

/** Resolves after `milliseconds`, or rejects with the signal's reason when it aborts first. */
export function abortableDelay(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
