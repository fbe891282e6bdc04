import { AgentService } from './agents/agent-service.ts';
import { loadWordVectors, type LoadedWordVectors } from './agents/word-vectors-file.ts';
import type { CompactResult } from './agents/stored-vectors.ts';
import { AuthService } from './auth/auth-service.ts';
import { TokenSigner } from './auth/tokens.ts';
import { ChatService } from './chat/chat-service.ts';
import { HistoryService } from './chat/history-service.ts';
import type { RouteMessage } from './chat/target.ts';
import type { Config } from './config/types.ts';
import type { Coordination } from './coordination/coordination.ts';
import { Metrics } from './metrics/metrics.ts';
import { createProviderRegistry, streamWithFallbacks, type ProviderRegistry } from './providers/index.ts';
import { createMessageRouter, type MessageRouter } from './chat/route-message.ts';
import type { Store } from './store/store.ts';

/** Everything the transports (HTTP, WebSocket, CLI) call, built from the ports. */
/** The part of a pino logger the services write to. */
export interface ServiceLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface Services {
  config: Config;
  store: Store;
  coordination: Coordination;
  registry: ProviderRegistry;
  auth: AuthService;
  agents: AgentService;
  chat: ChatService;
  history: HistoryService;
  metrics: Metrics;
  /** Where the services' own log lines go (the app's logger). */
  useLogger(logger: ServiceLogger): void;
  /**
   * The embedded router's word vectors, read on first use (the first index build, or the
   * start-up banner): CLI commands that never route do not pay for them.
   */
  wordVectors(): LoadedWordVectors;
  /**
   * Loads what `routing.mode` needs (the encoder's model), embeds a workspace's agent texts
   * ahead of its messages (encoder mode; nothing to do in the others) and, at shutdown, lets go.
   */
  routing: {
    ready(): Promise<void>;
    warmUp(workspaceId: string): Promise<void>;
    /** Encoder mode: deletes the stored vectors of texts no agent uses any more (see MessageRouter.tidy). */
    tidy(): Promise<CompactResult | undefined>;
    close(): Promise<void>;
  };
  /** Answers still being generated; shutdown waits for them. */
  readonly running: Set<Promise<unknown>>;
}

export interface ServiceInputs {
  config: Config;
  store: Store;
  coordination: Coordination;
  /** The HS256 key (main.ts reads or generates it). */
  jwtSecret: string;
  /** Injected into the provider adapters; the global fetch when absent. */
  fetch?: typeof fetch;
  /** Overrides the router (embeddings or llm modes are wired by main.ts). */
  route?: RouteMessage;
  metrics?: Metrics;
  /** Where the services report what degrades without failing (encoder mode's stored vectors). */
  warn?: (message: string) => void;
}

export function createServices(inputs: ServiceInputs): Services {
  const { config, store, coordination } = inputs;
  const registry = createProviderRegistry(config.fleet.providers, { fetch: inputs.fetch });
  const metrics = inputs.metrics ?? new Metrics();
  const auth = new AuthService({ store, signer: new TokenSigner(inputs.jwtSecret, config.jwtTtlSeconds), revocations: coordination.revocations });
  let loaded: LoadedWordVectors | undefined;
  const wordVectors = () => (loaded ??= loadWordVectors(config.wordVectors));
  const agents = new AgentService({ store, isKnownModel: (model) => registry.resolve(model) !== undefined, wordVectors: () => wordVectors().vectors });
  const recentWindowMs = config.fleet.routing.recentWindowMinutes * 60_000;
  const router: MessageRouter =
    inputs.route === undefined
      ? createMessageRouter({ config, registry, store, fetch: inputs.fetch, onFallback: (mode) => metrics.routingFallback(mode), warn: inputs.warn })
      : { route: inputs.route, ready: async () => {}, warmUp: async () => {}, tidy: async () => undefined, close: async () => {} };
  const route = router.route;
  // The app's logger once it exists (buildApp); nothing before, nor in CLI commands without one.
  let log: ServiceLogger = { warn: () => undefined };
  const chat = new ChatService({
    store,
    agents,
    coordination,
    route,
    observer: {
      routed: (strategy) => metrics.routed(strategy),
      answered: (info) => metrics.answered(info),
      failed: (info) => metrics.failed(info),
      providerAttempt: (info) => {
        metrics.providerAttempt(info);
        // A failed call is the operator's business even when a fallback answers, and on every
        // transport (a WebSocket's error frame reaches no request log).
        if (info.outcome === 'error' && info.errorKind !== 'aborted') {
          log.warn({ model: info.model, agentId: info.agentId, kind: info.errorKind, durationMs: Math.round(info.durationMs), reason: info.error?.slice(0, 500) }, 'model call failed');
        }
      },
    },
    streamModel: (models, request, options) => streamWithFallbacks(registry, models, request, options),
    settings: {
      maxMessageChars: config.maxMessageChars,
      providerTimeoutMs: config.providerTimeoutMs,
      messagesPerMinute: config.rateLimits.messagesPerMin,
      recentWindowMs,
      maxWaitingPerSession: 4,
    },
  });
  const history = new HistoryService({ store });
  return { config, store, coordination, registry, auth, agents, chat, history, metrics, wordVectors, useLogger: (logger) => void (log = logger), routing: {
      ready: router.ready,
      // Only the encoder has anything to warm. Learning the agents at start in the other modes
      // spares the first message ~0.2 s (demo fleet), but raised idle RSS from 112 to 123 MiB
      // (target 120 MB) and start to healthy from 0.58 to 0.74 s (bench/startup.ts, 2026-12-02).
      warmUp: async (workspaceId) => {
        if (config.fleet.routing.mode === 'encoder') await router.warmUp((await agents.routingSnapshot(workspaceId)).index);
      },
      tidy: async () => {
        if (config.fleet.routing.mode !== 'encoder') return undefined;
        const since = new Date();
        return router.tidy(await agents.routingTextsOfEveryWorkspace(), since);
      },
      close: router.close,
    },
    running: new Set() };
}
