/**
 * The environment table of CONFIG.md (plus our extensions), read from the map the caller
 * passes: never from process.env, so tests and the CLI can load a config side by side.
 */
import path from 'node:path';
import type { ProviderSettings } from '../providers/chat-model.ts';
import { ConfigError, quoteValue } from './config-error.ts';
import { tryParseDurationSeconds } from './durations.ts';
import { EnvironmentReader, type Environment } from './env-reader.ts';
import { readDatabaseUrl, readRedisUrl } from './service-urls.ts';
import type { Config, RoutingSettings } from './types.ts';

export interface EnvironmentSettings {
  /** Everything of Config except the fleet, which also needs the fleet file. */
  config: Omit<Config, 'fleet'>;
  /** `mock` always, then `openai` / `anthropic` when their variables are set. */
  providers: ProviderSettings[];
  /** ROUTING_MODE and ROUTING_RECENT_WINDOW_MINUTES when set: they override the fleet file. */
  routing: Partial<Pick<RoutingSettings, 'mode' | 'recentWindowMinutes'>>;
}

const kibibyte = 1024;
const mebibyte = 1024 * kibibyte;
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const routingModes = ['embedded', 'embeddings', 'encoder', 'llm'] as const;
const nodeEnvironments = ['production', 'development', 'test'] as const;

export function readEnvironment(environment: Environment, cwd: string): EnvironmentSettings {
  const reader = new EnvironmentReader(environment);
  // Refused when unknown: `NODE_ENV=prod` must not quietly run as development.
  const nodeEnv = reader.choice('NODE_ENV', nodeEnvironments, 'development');
  const database = readDatabaseUrl(reader, cwd);
  const maxMessageChars = reader.integer('MAX_MESSAGE_CHARS', { minimum: 1, maximum: 1_000_000, fallback: 32_000 });
  // A message of MAX_MESSAGE_CHARS four-byte characters plus the JSON around it must fit both
  // in a request body and in a WebSocket frame, or long non-Latin messages would get a 413.
  const largestMessageBytes = 4 * maxMessageChars + 16 * kibibyte;

  const config: Omit<Config, 'fleet'> = {
    port: reader.integer('PORT', { minimum: 0, maximum: 65_535, fallback: 3000 }),
    host: readHost(reader),
    databaseUrl: database.url,
    sqliteSynchronous: readSqliteSynchronous(reader),
    redisUrl: readRedisUrl(reader),
    jwtSecret: readJwtSecret(reader, nodeEnv),
    jwtTtlSeconds: readJwtTtl(reader),
    dataDir: path.resolve(cwd, reader.text('DATA_DIR') ?? database.folder ?? './data'),
    adminEmail: readAdminEmail(reader),
    adminPassword: readAdminPassword(reader),
    maxMessageChars,
    providerTimeoutMs: reader.integer('PROVIDER_TIMEOUT_MS', { minimum: 1, maximum: 3_600_000, fallback: 120_000 }),
    rateLimits: {
      messagesPerMin: reader.integer('RATE_LIMIT_MESSAGES_PER_MIN', { minimum: 0, maximum: 1_000_000, fallback: 60 }),
      requestsPerMin: reader.integer('RATE_LIMIT_REQUESTS_PER_MIN', { minimum: 0, maximum: 1_000_000, fallback: 600 }),
      loginPer15Min: reader.integer('RATE_LIMIT_LOGIN_PER_15MIN', { minimum: 0, maximum: 1_000_000, fallback: 10 }),
    },
    bodyLimitBytes: reader.integer('BODY_LIMIT_BYTES', {
      minimum: maxMessageChars + 1 * kibibyte,
      maximum: 1024 * mebibyte,
      fallback: Math.max(mebibyte, largestMessageBytes),
    }),
    logLevel: reader.choice('LOG_LEVEL', logLevels, 'info'),
    nodeEnv,
    wordVectors: readWordVectors(reader, cwd),
    trustProxy: reader.flag('TRUST_PROXY', false),
    ws: {
      maxFrameBytes: reader.integer('WS_MAX_FRAME_BYTES', {
        minimum: 1 * kibibyte,
        maximum: 1024 * mebibyte,
        fallback: Math.max(256 * kibibyte, largestMessageBytes),
      }),
      pingIntervalMs: reader.integer('WS_PING_INTERVAL_MS', { minimum: 100, maximum: 3_600_000, fallback: 30_000 }),
      maxSocketsPerUser: reader.integer('WS_MAX_SOCKETS_PER_USER', { minimum: 1, maximum: 100_000, fallback: 20 }),
      framesPerSecond: reader.integer('WS_FRAMES_PER_SECOND', { minimum: 1, maximum: 100_000, fallback: 20 }),
      maxBufferedBytes: reader.integer('WS_MAX_BUFFERED_BYTES', {
        minimum: 1 * kibibyte,
        maximum: 1024 * mebibyte,
        fallback: mebibyte,
      }),
    },
    shutdownDrainMs: reader.integer('SHUTDOWN_DRAIN_MS', { minimum: 0, maximum: 3_600_000, fallback: 10_000 }),
  };

  const routing: EnvironmentSettings['routing'] = {};
  if (reader.has('ROUTING_MODE')) routing.mode = reader.choice('ROUTING_MODE', routingModes, 'embedded');
  if (reader.has('ROUTING_RECENT_WINDOW_MINUTES')) {
    routing.recentWindowMinutes = reader.integer('ROUTING_RECENT_WINDOW_MINUTES', {
      minimum: 0,
      maximum: 10_080,
      fallback: 30,
    });
  }
  return { config, providers: readProviders(reader), routing };
}

/** The keywords are read without regard to case, as LOG_LEVEL is: a table named `OFF` must be written `./OFF`. */
function readWordVectors(reader: EnvironmentReader, cwd: string): Config['wordVectors'] {
  const raw = reader.text('ROUTING_WORD_VECTORS');
  if (raw === undefined || raw.toLowerCase() === 'default') return 'default';
  if (raw.toLowerCase() === 'off') return 'off';
  return { path: path.resolve(cwd, raw) };
}

function readHost(reader: EnvironmentReader): string {
  const host = reader.text('HOST') ?? '127.0.0.1';
  if (/\s/.test(host)) throw new ConfigError(`HOST must be a host name or IP address (got ${quoteValue(host)})`);
  return host;
}

function readSqliteSynchronous(reader: EnvironmentReader): 'NORMAL' | 'FULL' {
  if (reader.text('SQLITE_SYNCHRONOUS')?.toUpperCase() === 'OFF') {
    throw new ConfigError(
      'SQLITE_SYNCHRONOUS=OFF is refused: a crash could then lose messages already acknowledged or corrupt the database; use NORMAL (the default) or FULL',
    );
  }
  return reader.choice('SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'] as const, 'NORMAL');
}

export const shortestJwtSecret = 32;

function readJwtSecret(reader: EnvironmentReader, nodeEnv: string): string | undefined {
  const secret = reader.secret('JWT_SECRET', 'e.g. openssl rand -hex 32');
  if (secret === undefined) {
    // A secret generated into one instance's data folder cannot be shared by a production
    // deployment (several instances, rebuilt containers), so production must name its own.
    if (nodeEnv === 'production') {
      throw new ConfigError(`JWT_SECRET is required when NODE_ENV=production (at least ${shortestJwtSecret} characters)`);
    }
    return undefined;
  }
  if (secret.length < shortestJwtSecret) {
    // Never echo a secret, not even a short one.
    throw new ConfigError(
      `JWT_SECRET must be at least ${shortestJwtSecret} characters (got ${secret.length}); e.g. openssl rand -hex 32`,
    );
  }
  return secret;
}

export function readJwtTtl(reader: EnvironmentReader): number {
  const raw = reader.text('JWT_TTL') ?? '1h';
  const seconds = tryParseDurationSeconds(raw);
  const longest = 365 * 86_400;
  if (seconds === undefined || seconds < 1 || seconds > longest) {
    throw new ConfigError(
      `JWT_TTL must be a duration from 1s to 365d such as 15m, 1h, 7d or a number of seconds (got ${quoteValue(raw)})`,
    );
  }
  return seconds;
}

export function readAdminEmail(reader: EnvironmentReader): string {
  const email = reader.text('FLEETCHAT_ADMIN_EMAIL') ?? 'admin@localhost';
  // Deliberately loose: `admin@localhost` has no dot and must pass.
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) {
    throw new ConfigError(`FLEETCHAT_ADMIN_EMAIL must be an email address such as admin@example.com (got ${quoteValue(email)})`);
  }
  return email;
}

const shortestAdminPassword = 12;

function readAdminPassword(reader: EnvironmentReader): string | undefined {
  const password = reader.secret('FLEETCHAT_ADMIN_PASSWORD');
  if (password !== undefined && password.length < shortestAdminPassword) {
    throw new ConfigError(
      `FLEETCHAT_ADMIN_PASSWORD must be at least ${shortestAdminPassword} characters (got ${password.length})`,
    );
  }
  return password;
}

function readProviders(reader: EnvironmentReader): ProviderSettings[] {
  const providers: ProviderSettings[] = [{ name: 'mock', type: 'mock' }];
  // A blank key is refused rather than taken as "no key": it is a slip, and which one was
  // meant (a key, or none) cannot be told from it.
  const noKeyAdvice = 'leave it empty or unset it when there is no key';
  const openaiKey = reader.headerSecret('OPENAI_API_KEY', noKeyAdvice);
  const openaiBaseUrl = reader.httpUrl('OPENAI_BASE_URL', 'OPENAI_API_KEY');
  // A base URL alone is enough: local OpenAI-compatible servers (Ollama, llama.cpp) need no key.
  if (openaiKey !== undefined || openaiBaseUrl !== undefined) {
    providers.push({
      name: 'openai',
      type: 'openai',
      baseUrl: openaiBaseUrl ?? 'https://api.openai.com/v1',
      ...(openaiKey === undefined ? {} : { apiKey: openaiKey }),
    });
  }
  const anthropicKey = reader.headerSecret('ANTHROPIC_API_KEY', noKeyAdvice);
  const anthropicBaseUrl = reader.httpUrl('ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY');
  if (anthropicKey !== undefined) {
    providers.push({
      name: 'anthropic',
      type: 'anthropic',
      apiKey: anthropicKey,
      ...(anthropicBaseUrl === undefined ? {} : { baseUrl: anthropicBaseUrl }),
    });
  }
  return providers;
}
