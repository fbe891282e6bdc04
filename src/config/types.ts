import type { ProviderSettings } from '../providers/chat-model.ts';

/** One agent as declared in the fleet file, after `${VAR}` expansion and validation. */
export interface FleetAgent {
  id?: string;
  name: string;
  role: string;
  description: string;
  /** The SOUL text itself (a path in the file is read relative to the file). */
  soul: string;
  /** `provider/model`. */
  model: { default: string; fallbacks: string[] };
  routing: { examples: string[]; keywords: string[] };
  session: { maxContextTokens: number };
  limits: { dailyTokenBudget: number | null; monthlyTokenBudget: number | null };
  /** Workspace name; the default workspace when absent. */
  workspace?: string;
  status: 'online' | 'offline';
}

export interface RoutingSettings {
  /** `embedded` (default, offline), `embeddings`, `encoder` (offline, bundled sentence encoder) or `llm`. */
  mode: 'embedded' | 'embeddings' | 'encoder' | 'llm';
  /** For `embeddings`: `provider/model` of an OpenAI-compatible embeddings endpoint. */
  embeddingsModel?: string;
  /** For `llm`: `provider/model` asked to choose when the embedded router is unsure. */
  llmModel?: string;
  /** Minutes during which a short unclear follow-up goes to the caller's latest session's agent. */
  recentWindowMinutes: number;
  /** Confidence under which a message goes to the default agent; undefined: the router's own. */
  threshold?: number;
}

export interface Fleet {
  /** Where the fleet came from: a file path, or `built-in demo fleet`. */
  source: string;
  providers: ProviderSettings[];
  defaultAgent?: string;
  routing: RoutingSettings;
  agents: FleetAgent[];
}

export interface Config {
  port: number;
  host: string;
  /** `sqlite:<path>`, `sqlite::memory:`, or `postgres://…`. */
  databaseUrl: string;
  sqliteSynchronous: 'NORMAL' | 'FULL';
  redisUrl?: string;
  /** HS256 key; when not given, generated once and kept in the data folder. */
  jwtSecret?: string;
  /** Token lifetime in seconds. */
  jwtTtlSeconds: number;
  /** The folder for the SQLite file and the generated JWT secret. */
  dataDir: string;
  adminEmail: string;
  adminPassword?: string;
  maxMessageChars: number;
  providerTimeoutMs: number;
  rateLimits: { messagesPerMin: number; requestsPerMin: number; loginPer15Min: number };
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** NODE_ENV; `production` requires JWT_SECRET. */
  nodeEnv: 'production' | 'development' | 'test';
  /**
   * The word-vector table of the embedded router: `default` (the one `npm install` builds, if
   * present), `off` (lexical routing only), or a path to a table (which must exist).
   */
  wordVectors: 'default' | 'off' | { path: string };
  /** Trust X-Forwarded-For from a reverse proxy (TRUST_PROXY=1) for per-IP limits and logs. */
  trustProxy?: boolean;
  ws: {
    maxFrameBytes: number;
    pingIntervalMs: number;
    maxSocketsPerUser: number;
    /** Frames per second a socket may send (burst of twice that). */
    framesPerSecond: number;
    /** Bytes the server may have queued for one socket before it is cancelled and closed. */
    maxBufferedBytes: number;
  };
  /** Milliseconds to let running answers finish on SIGTERM. */
  shutdownDrainMs: number;
  fleet: Fleet;
}

/**
 * Config without the fleet: what the environment alone decides (`loadSettings`), for what uses
 * no agent and no provider, such as the CLI's account commands, which a broken fleet file must
 * not stop.
 */
export type Settings = Omit<Config, 'fleet'>;
