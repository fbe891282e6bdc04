import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config/index.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.ts';
import { createTestSchema, dropTestSchema, testStore } from './stores.ts';

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';
export const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** The test fleet: three agents on the fake OpenAI upstream, one with an Anthropic fallback. */
export function defaultFleet(openaiUrl: string, anthropicUrl: string) {
  return {
    providers: {
      upstream: { type: 'openai', baseUrl: openaiUrl, apiKey: 'test-key' },
      claude: { type: 'anthropic', baseUrl: anthropicUrl, apiKey: 'test-key' },
    },
    defaultAgent: 'Aria',
    agents: [
      {
        name: 'Aria',
        role: 'General assistant',
        description: 'Answers general questions and small talk',
        soul: 'You are Aria, a helpful general assistant.',
        model: { default: 'upstream/gpt-test' },
        routing: { examples: ['hello there', 'who are you'], keywords: ['help'] },
      },
      {
        name: 'Nova',
        role: 'Research Analyst',
        description: 'Monitors the competitive landscape and surfaces intelligence about competitors',
        soul: 'You are Nova, a research analyst.',
        model: { default: 'upstream/gpt-test', fallbacks: ['claude/claude-test'] },
        routing: {
          examples: ['What did our competitors announce this week?', 'Summarize competitor pricing moves', 'market share of our rivals'],
          keywords: ['competitor', 'market', 'pricing'],
        },
      },
      {
        name: 'Ledger',
        role: 'Finance assistant',
        description: 'Budgets, invoices, expenses and financial reports',
        soul: 'You are Ledger, a finance assistant.',
        model: { default: 'upstream/gpt-test' },
        routing: { examples: ['What is our Q3 budget?', 'Pay this invoice', 'expense report for March'], keywords: ['invoice', 'budget', 'expense'] },
        limits: { dailyTokenBudget: 1000000 },
      },
    ],
  };
}

export interface TestServer {
  server: Server;
  /** The environment the server was configured from (child processes such as the CLI reuse it). */
  env: Record<string, string>;
  baseUrl: string;
  upstream: FakeOpenAI;
  anthropic: FakeAnthropic;
  adminToken: string;
  /** Agent ids by name. */
  agents: Record<string, string>;
  request<T = any>(method: string, urlPath: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: T; headers: Headers }>;
  login(email: string, password: string): Promise<string>;
  /** A new member of the admin's workspace, logged in. */
  member(email?: string): Promise<{ token: string; id: string; email: string }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  fleet?: (openaiUrl: string, anthropicUrl: string) => unknown;
  /** Where the server's pino lines go (level info); default: no logging. */
  logStream?: { write(line: string): unknown };
  /** The server's background housekeeping lines (startServer's `info`); default: dropped. */
  info?: (message: string) => void;
}

let counter = 0;

export async function startTestServer(options: HarnessOptions = {}): Promise<TestServer> {
  const upstream = await startFakeOpenAI();
  const anthropic = await startFakeAnthropic();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-test-'));
  const fleetFile = path.join(directory, 'fleet.json');
  fs.writeFileSync(fleetFile, JSON.stringify((options.fleet ?? defaultFleet)(upstream.url, anthropic.url)));
  const postgres = testStore === 'postgres' ? await createTestSchema() : undefined;
  const schema = postgres?.schema;
  const databaseUrl = postgres?.databaseUrl ?? `sqlite:${path.join(directory, 'fleetchat.db')}`;
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    FLEETCHAT_CONFIG: fleetFile,
    FLEETCHAT_ADMIN_EMAIL: ADMIN_EMAIL,
    FLEETCHAT_ADMIN_PASSWORD: ADMIN_PASSWORD,
    JWT_SECRET,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MESSAGES_PER_MIN: '0',
    RATE_LIMIT_REQUESTS_PER_MIN: '0',
    RATE_LIMIT_LOGIN_PER_15MIN: '0',
    PROVIDER_TIMEOUT_MS: '5000',
    SHUTDOWN_DRAIN_MS: '2000',
    ...options.env,
  };
  const config = loadConfig({ env, cwd: directory });
  const logger = options.logStream ? { level: 'info', stream: options.logStream } : false;
  const server = await startServer(config, { logger, warn: () => undefined, info: options.info ?? (() => undefined) });
  // A test may stop the server itself (shutdown tests); close() must not stop it twice.
  let stopped: Promise<void> | undefined;
  const closeOnce = server.close;
  server.close = () => (stopped ??= closeOnce());
  const baseUrl = server.url;

  const request: TestServer['request'] = async (method, urlPath, requestOptions = {}) => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
    let body: string | undefined = requestOptions.raw;
    if (requestOptions.body !== undefined) {
      body = JSON.stringify(requestOptions.body);
      headers['content-type'] ??= 'application/json';
    } else if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(baseUrl + urlPath, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as any, headers: response.headers };
  };

  const login = async (email: string, password: string) => {
    const response = await request('POST', '/api/auth/login', { body: { email, password } });
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.token as string;
  };

  const adminToken = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const agentList = await request('GET', '/api/agents?limit=100', { token: adminToken });
  const agents = Object.fromEntries((agentList.body.data as { name: string; id: string }[]).map((agent) => [agent.name, agent.id]));

  const member: TestServer['member'] = async (email) => {
    const address = email ?? `member${++counter}-${Math.random().toString(36).slice(2, 7)}@example.test`;
    const created = await request('POST', '/api/users', { token: adminToken, body: { email: address, password: 'member-password-123', role: 'member' } });
    if (created.status !== 201) throw new Error(`member creation failed: ${JSON.stringify(created.body)}`);
    return { token: await login(address, 'member-password-123'), id: created.body.id as string, email: address };
  };

  return {
    server,
    env,
    baseUrl,
    upstream,
    anthropic,
    adminToken,
    agents,
    request,
    login,
    member,
    async close() {
      await server.close();
      await upstream.close();
      await anthropic.close();
      if (schema) await dropTestSchema(schema);
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
