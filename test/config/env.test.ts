import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { makeFolder } from './temporary-folder.ts';

const cwd = makeFolder();

function load(env: Record<string, string | undefined>) {
  return loadConfig({ env, cwd });
}

/** The ConfigError thrown for `env`, checked to be one line that starts with the variable's name. */
function refusal(env: Record<string, string>, variable = Object.keys(env)[0]): string {
  let caught: unknown;
  try {
    load(env);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const message = (caught as ConfigError).message;
  expect(message).not.toContain('\n');
  expect(message.startsWith(variable)).toBe(true);
  return message;
}

describe('environment defaults', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: `sqlite:${path.join(cwd, 'data', 'fleetchat.db')}`,
      sqliteSynchronous: 'NORMAL',
      jwtTtlSeconds: 3600,
      dataDir: path.join(cwd, 'data'),
      adminEmail: 'admin@localhost',
      maxMessageChars: 32_000,
      providerTimeoutMs: 120_000,
      rateLimits: { messagesPerMin: 60, requestsPerMin: 600, loginPer15Min: 10 },
      bodyLimitBytes: 1024 * 1024,
      logLevel: 'info',
      nodeEnv: 'development',
      trustProxy: false,
      ws: { maxFrameBytes: 262_144, pingIntervalMs: 30_000, maxSocketsPerUser: 20, framesPerSecond: 20, maxBufferedBytes: 1024 * 1024 },
      shutdownDrainMs: 10_000,
    });
    expect(config.redisUrl).toBeUndefined();
    expect(config.jwtSecret).toBeUndefined();
    expect(config.adminPassword).toBeUndefined();
    expect(config.fleet.routing).toEqual({ mode: 'embedded', recentWindowMinutes: 30 });
    expect(config.fleet.providers).toEqual([{ name: 'mock', type: 'mock' }]);
  });

  it('treats empty strings as unset', () => {
    expect(load({ PORT: '', DATABASE_URL: '', JWT_SECRET: '', LOG_LEVEL: '' })).toMatchObject({ port: 3000, logLevel: 'info' });
  });

  it('grows the body and frame limits with MAX_MESSAGE_CHARS', () => {
    const config = load({ MAX_MESSAGE_CHARS: '1000000' });
    expect(config.bodyLimitBytes).toBe(4_000_000 + 16 * 1024);
    expect(config.ws.maxFrameBytes).toBe(4_000_000 + 16 * 1024);
  });
});

describe('integers', () => {
  const integerVariables = [
    'PORT', 'MAX_MESSAGE_CHARS', 'PROVIDER_TIMEOUT_MS', 'RATE_LIMIT_MESSAGES_PER_MIN', 'RATE_LIMIT_REQUESTS_PER_MIN',
    'RATE_LIMIT_LOGIN_PER_15MIN', 'BODY_LIMIT_BYTES', 'WS_MAX_FRAME_BYTES', 'WS_PING_INTERVAL_MS', 'WS_MAX_SOCKETS_PER_USER',
    'WS_FRAMES_PER_SECOND', 'WS_MAX_BUFFERED_BYTES', 'SHUTDOWN_DRAIN_MS', 'ROUTING_RECENT_WINDOW_MINUTES',
  ];
  it.each(integerVariables.flatMap((variable) => ['5x', '1.5', ' 5', '5 ', '+5', '1e3', 'abc'].map((value) => [variable, value])))(
    'refuses %s=%j',
    (variable, value) => {
      expect(refusal({ [variable]: value })).toMatch(/must be an integer from \d+ to \d+ \(got ".*"\)$/);
    },
  );

  it('names PORT and its range', () => {
    expect(refusal({ PORT: 'abc' })).toBe('PORT must be an integer from 0 to 65535 (got "abc")');
    expect(refusal({ PORT: '65536' })).toContain('from 0 to 65535');
    expect(refusal({ PORT: '65536' })).toContain('PORT');
    expect(load({ PORT: '8080' }).port).toBe(8080);
  });

  it('accepts the bounds and refuses beyond them', () => {
    expect(load({ MAX_MESSAGE_CHARS: '1' }).maxMessageChars).toBe(1);
    refusal({ MAX_MESSAGE_CHARS: '0' });
    refusal({ MAX_MESSAGE_CHARS: '1000001' });
    expect(load({ PROVIDER_TIMEOUT_MS: '5000' }).providerTimeoutMs).toBe(5000);
    refusal({ PROVIDER_TIMEOUT_MS: '-1' });
  });

  it('accepts 0 for the rate limits (off) and refuses negatives', () => {
    const config = load({ RATE_LIMIT_MESSAGES_PER_MIN: '0', RATE_LIMIT_REQUESTS_PER_MIN: '0', RATE_LIMIT_LOGIN_PER_15MIN: '0' });
    expect(config.rateLimits).toEqual({ messagesPerMin: 0, requestsPerMin: 0, loginPer15Min: 0 });
    refusal({ RATE_LIMIT_LOGIN_PER_15MIN: '-1' });
  });

  it('reads the extensions', () => {
    const config = load({
      BODY_LIMIT_BYTES: '2000000', WS_MAX_FRAME_BYTES: '65536', WS_PING_INTERVAL_MS: '1000', WS_MAX_SOCKETS_PER_USER: '3',
      WS_FRAMES_PER_SECOND: '5', WS_MAX_BUFFERED_BYTES: '4096', SHUTDOWN_DRAIN_MS: '0',
    });
    expect(config.bodyLimitBytes).toBe(2_000_000);
    expect(config.ws).toEqual({ maxFrameBytes: 65_536, pingIntervalMs: 1000, maxSocketsPerUser: 3, framesPerSecond: 5, maxBufferedBytes: 4096 });
    expect(config.shutdownDrainMs).toBe(0);
  });

  it('refuses a body limit too small for the longest message', () => {
    expect(refusal({ BODY_LIMIT_BYTES: '1000' })).toContain('BODY_LIMIT_BYTES must be an integer from 33024');
  });
});

describe('text variables', () => {
  it('reads HOST and refuses spaces', () => {
    expect(load({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    refusal({ HOST: 'my host' });
  });

  it('accepts the DATABASE_URL forms and refuses the rest', () => {
    expect(load({ DATABASE_URL: 'sqlite::memory:' })).toMatchObject({ databaseUrl: 'sqlite::memory:', dataDir: path.join(cwd, 'data') });
    expect(load({ DATABASE_URL: 'sqlite:/var/lib/fleet/db.sqlite' })).toMatchObject({
      databaseUrl: 'sqlite:/var/lib/fleet/db.sqlite',
      dataDir: '/var/lib/fleet',
    });
    expect(load({ DATABASE_URL: 'postgres://user:secret@127.0.0.1:5432/fleet' }).databaseUrl).toBe('postgres://user:secret@127.0.0.1:5432/fleet');
    expect(load({ DATABASE_URL: 'postgresql://127.0.0.1/fleet' }).dataDir).toBe(path.join(cwd, 'data'));
    for (const value of ['POSTGRES://h/db', 'mysql://x/y', 'sqlite:', 'sqlite://x.db', './data.db', 'postgres://']) refusal({ DATABASE_URL: value });
  });

  it('never echoes a database password', () => {
    expect(refusal({ DATABASE_URL: 'mysql://user:hunter2@host/db' })).not.toContain('hunter2');
  });

  it('resolves DATA_DIR against cwd', () => {
    expect(load({ DATA_DIR: 'state' }).dataDir).toBe(path.join(cwd, 'state'));
  });

  it('accepts NORMAL and FULL and refuses OFF with the reason', () => {
    expect(load({ SQLITE_SYNCHRONOUS: 'FULL' }).sqliteSynchronous).toBe('FULL');
    expect(load({ SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous).toBe('NORMAL');
    expect(refusal({ SQLITE_SYNCHRONOUS: 'OFF' })).toMatch(/refused: a crash could/);
    expect(refusal({ SQLITE_SYNCHRONOUS: 'EXTRA' })).toContain('one of NORMAL, FULL');
  });

  it('accepts redis:// and rediss:// only', () => {
    expect(load({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(load({ REDIS_URL: 'rediss://cache.example.com:6380' }).redisUrl).toBe('rediss://cache.example.com:6380');
    refusal({ REDIS_URL: 'http://127.0.0.1:6379' });
    refusal({ REDIS_URL: '127.0.0.1:6379' });
  });

  it('checks JWT_SECRET length without echoing it, and requires it in production', () => {
    const secret = 'x'.repeat(32);
    expect(load({ JWT_SECRET: secret }).jwtSecret).toBe(secret);
    const message = refusal({ JWT_SECRET: 'short-secret-value' });
    expect(message).toContain('at least 32 characters');
    expect(message).not.toContain('short-secret-value');
    expect(refusal({ NODE_ENV: 'production' }, 'JWT_SECRET')).toContain('required when NODE_ENV=production');
    expect(load({ NODE_ENV: 'production', JWT_SECRET: secret }).nodeEnv).toBe('production');
  });

  it('reads JWT_TTL as a duration', () => {
    expect(load({ JWT_TTL: '15m' }).jwtTtlSeconds).toBe(900);
    expect(load({ JWT_TTL: '3600' }).jwtTtlSeconds).toBe(3600);
    expect(load({ JWT_TTL: '7d' }).jwtTtlSeconds).toBe(604_800);
    for (const value of ['0', '1.5h', 'soon', '400d']) expect(refusal({ JWT_TTL: value })).toContain('JWT_TTL must be a duration');
  });

  it('checks the admin email and password', () => {
    const config = load({ FLEETCHAT_ADMIN_EMAIL: 'ops@example.com', FLEETCHAT_ADMIN_PASSWORD: 'correct horse battery' });
    expect(config).toMatchObject({ adminEmail: 'ops@example.com', adminPassword: 'correct horse battery' });
    refusal({ FLEETCHAT_ADMIN_EMAIL: 'not-an-email' });
    const message = refusal({ FLEETCHAT_ADMIN_PASSWORD: 'hunter2' });
    expect(message).toContain('at least 12 characters');
    expect(message).not.toContain('hunter2');
  });

  it('reads TRUST_PROXY as a flag', () => {
    expect(load({ TRUST_PROXY: '1' }).trustProxy).toBe(true);
    expect(load({ TRUST_PROXY: 'TRUE' }).trustProxy).toBe(true);
    expect(load({ TRUST_PROXY: 'no' }).trustProxy).toBe(false);
    expect(refusal({ TRUST_PROXY: 'maybe' })).toContain('TRUST_PROXY must be 1, true or yes');
  });

  it('accepts pino levels for LOG_LEVEL', () => {
    expect(load({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(load({ LOG_LEVEL: 'SILENT' }).logLevel).toBe('silent');
    expect(refusal({ LOG_LEVEL: 'verbose' })).toContain('one of fatal, error, warn, info, debug, trace, silent');
  });

  it('reads ROUTING_MODE and ROUTING_RECENT_WINDOW_MINUTES', () => {
    expect(load({ ROUTING_RECENT_WINDOW_MINUTES: '0' }).fleet.routing.recentWindowMinutes).toBe(0);
    expect(load({ ROUTING_MODE: 'embedded' }).fleet.routing.mode).toBe('embedded');
    expect(refusal({ ROUTING_MODE: 'magic' })).toContain('one of embedded, embeddings, encoder, llm');
    // The encoder needs no model reference: it is bundled.
    expect(load({ ROUTING_MODE: 'encoder' }).fleet.routing.mode).toBe('encoder');
    // The demo fleet has no model for the llm router to call.
    expect(refusal({ ROUTING_MODE: 'llm' })).toContain('needs routing.llmModel');
  });

  it('reads ROUTING_WORD_VECTORS: default, off, or a path resolved against the working folder', () => {
    expect(load({}).wordVectors).toBe('default');
    expect(load({ ROUTING_WORD_VECTORS: 'off' }).wordVectors).toBe('off');
    expect(load({ ROUTING_WORD_VECTORS: 'tables/words.bin' }).wordVectors).toEqual({ path: path.join(cwd, 'tables', 'words.bin') });
  });
});

describe('providers from the environment', () => {
  it('defines openai from a key or a base URL', () => {
    expect(load({ OPENAI_API_KEY: 'sk-test' }).fleet.providers).toEqual([
      { name: 'mock', type: 'mock' },
      { name: 'openai', type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test' },
    ]);
    expect(load({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/' }).fleet.providers[1]).toEqual({
      name: 'openai',
      type: 'openai',
      baseUrl: 'http://127.0.0.1:11434/v1',
    });
    refusal({ OPENAI_BASE_URL: 'localhost:11434' });
  });

  it('defines anthropic from its key, with an optional base URL', () => {
    expect(load({ ANTHROPIC_API_KEY: 'sk-ant' }).fleet.providers[1]).toEqual({ name: 'anthropic', type: 'anthropic', apiKey: 'sk-ant' });
    expect(load({ ANTHROPIC_API_KEY: 'sk-ant', ANTHROPIC_BASE_URL: 'https://proxy.example.com' }).fleet.providers[1]).toMatchObject({
      baseUrl: 'https://proxy.example.com',
    });
    refusal({ ANTHROPIC_BASE_URL: 'ftp://x' });
  });
});

describe('the fleet file choice', () => {
  it('refuses a FLEETCHAT_CONFIG that points to nothing', () => {
    expect(refusal({ FLEETCHAT_CONFIG: './missing.yaml' })).toContain('"./missing.yaml", not found');
  });

  it('prefers ./fleetchat.yaml, then ./fleetchat.json', () => {
    const agent = (name: string) => ({ name, role: 'Tester', model: 'mock/x' });
    const both = makeFolder({
      'fleetchat.yaml': `agents: [{ name: FromYaml, role: Tester, model: mock/x }]\n`,
      'fleetchat.json': JSON.stringify({ agents: [agent('FromJson')] }),
    });
    expect(loadConfig({ env: {}, cwd: both }).fleet.agents[0].name).toBe('FromYaml');
    const jsonOnly = makeFolder({ 'fleetchat.json': JSON.stringify({ agents: [agent('FromJson')] }) });
    expect(loadConfig({ env: {}, cwd: jsonOnly }).fleet.source).toBe(path.join(jsonOnly, 'fleetchat.json'));
  });
});

describe('the result', () => {
  it('is deeply frozen', () => {
    const config = load({});
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.rateLimits as { messagesPerMin: number }).messagesPerMin = 1;
    }).toThrow(TypeError);
    expect(() => config.fleet.agents.push(config.fleet.agents[0])).toThrow(TypeError);
    expect(() => {
      (config.fleet.agents[0].routing.keywords as string[])[0] = 'x';
    }).toThrow(TypeError);
  });

  it('never reads process.env', () => {
    process.env.PORT = '4444';
    try {
      expect(load({}).port).toBe(3000);
    } finally {
      delete process.env.PORT;
    }
  });
});
