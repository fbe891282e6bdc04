import type { Config } from '../config/types.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import { withStoredVectors, type CompactResult, type RoutingVectorStore, type StoredVectorSource } from '../agents/stored-vectors.ts';
import { startSentenceEncoder, type SentenceEncoder } from '../agents/sentence-encoder.ts';
import { createEncoderRouter, createRouter, type AsyncRouter, type FallbackListener, type RouterIndex, type VectorRouter } from '../routing/index.ts';
import type { RouteMessage } from './target.ts';

export interface MessageRouter {
  route: RouteMessage;
  /** Loads what the mode needs before the first message (the encoder's model); rejects with what to do. */
  ready(): Promise<void>;
  /** Encoder mode: embeds the agents' texts of `index` now, instead of on the first message. */
  warmUp(index: RouterIndex): Promise<void>;
  /**
   * Encoder mode: deletes the stored vectors of texts outside `live` (every agent's routing
   * texts in every workspace, read at `since`). Undefined in the other modes.
   */
  tidy(live: ReadonlySet<string>, since: Date): Promise<CompactResult | undefined>;
  close(): Promise<void>;
}

/**
 * The router named by `routing.mode`, as the pipeline's RouteMessage. `embeddings`, `encoder`
 * and `llm` fall back to the embedded decision on any error, reported through `onFallback`.
 * The encoder's worker starts on first use (`ready()` at start-up, or the first message), so
 * CLI commands that never route never start it.
 */
export function createMessageRouter(deps: {
  config: Config;
  registry: ProviderRegistry;
  /** Where encoder mode keeps the agents' texts' vectors. */
  store: RoutingVectorStore;
  fetch?: typeof fetch;
  onFallback?: FallbackListener;
  warn?: (message: string) => void;
}): MessageRouter {
  const { routing, providers } = deps.config.fleet;
  let router: AsyncRouter;
  let vectorRouter: VectorRouter | undefined;
  let encoder: SentenceEncoder | undefined;
  const startEncoder = () => (encoder ??= startSentenceEncoder());
  let tidy: MessageRouter['tidy'] = async () => undefined;
  if (routing.mode === 'encoder') {
    // The agents' texts' vectors are kept in the store: instances share them, restarts reuse them.
    let source: StoredVectorSource | undefined;
    const encoderSource = () =>
      (source ??= withStoredVectors(startEncoder(), deps.store, {
        onStoreError: (error) =>
          deps.warn?.(`routing: the agents' texts' vectors cannot be read or stored (${error instanceof Error ? error.message : String(error)}); the encoder embeds them meanwhile`),
      }));
    tidy = (live, since) => encoderSource().compact(live, since);
    router = vectorRouter = createEncoderRouter(
      { embed: (texts, priority) => encoderSource().embed(texts, priority), nearest: (text, vectors, count) => encoderSource().nearest(text, vectors, count) },
      { onFallback: deps.onFallback },
    );
  } else if (routing.mode === 'embeddings' && routing.embeddingsModel) {
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
  const route: RouteMessage = async ({ message, context, snapshot }) => {
    if (snapshot.defaultAgentId === undefined) throw new Error('routing needs at least one agent');
    return router.route({
      message,
      context,
      index: snapshot.index,
      defaultAgentId: snapshot.defaultAgentId,
      options: { recentWindowMs, threshold: routing.threshold },
    });
  };
  return {
    route,
    ready: async () => {
      if (routing.mode === 'encoder') await startEncoder().ready;
    },
    warmUp: async (index) => {
      await vectorRouter?.warmUp(index);
    },
    tidy: (live, since) => tidy(live, since),
    close: async () => {
      await encoder?.close();
    },
  };
}
