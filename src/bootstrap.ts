import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.ts';
import { DEFAULT_WORKSPACE, ensureWorkspace, syncFleet, type FleetSyncResult } from './agents/fleet-sync.ts';
import { generatePassword } from './auth/password.ts';
import { demoFleetSource } from './config/demo-fleet.ts';
import { shortestJwtSecret } from './config/env.ts';
import type { Config, Settings } from './config/types.ts';
import { AppError } from './errors.ts';
import { endpoint, systemCode } from './failure-details.ts';
import { makeFolder } from './folders.ts';
import type { Coordination } from './coordination/coordination.ts';
import { createMemoryCoordination } from './coordination/memory/index.ts';
import { Metrics } from './metrics/metrics.ts';
import { createServices, type Services } from './services.ts';
import { workspaceUsers, type Store } from './store/store.ts';
import { attachWebSocket } from './ws/index.ts';

/**
 * The concrete store named by DATABASE_URL. Backends are imported only when chosen, so the
 * embedded default never loads pg (nor ioredis below) at start.
 */
export async function createStore(config: Settings): Promise<Store> {
  const url = config.databaseUrl;
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { createPostgresStore } = await import('./store/postgres/index.ts');
    return createPostgresStore(postgresConnection(url));
  }
  const filename = url.slice('sqlite:'.length);
  const { createSqliteStore } = await import('./store/sqlite/index.ts');
  try {
    return createSqliteStore({ filename, synchronous: config.sqliteSynchronous });
  } catch (error) {
    throw sqliteOpenFailure(error, filename);
  }
}

/**
 * What the pg driver is given for a PostgreSQL DATABASE_URL:
 * - `?schema=name` (ours, it keeps fleetchat's tables in their own schema of a shared database)
 *   is taken out;
 * - `sslmode=prefer`, `require` and `verify-ca` are written `verify-full`, which is what pg 8
 *   does with them (it verifies the certificate and the host name, unlike libpq). Given as they
 *   are, pg prints a multi-line security warning at every start; with `uselibpqcompat=true` they
 *   keep libpq's meaning and go through unchanged.
 */
export function postgresConnection(url: string): { connectionString: string; schema?: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const sslmode = parsed.searchParams.get('sslmode');
  if (parsed.searchParams.get('uselibpqcompat') !== 'true' && (sslmode === 'prefer' || sslmode === 'require' || sslmode === 'verify-ca')) {
    parsed.searchParams.set('sslmode', 'verify-full');
  }
  return { connectionString: parsed.toString(), schema };
}

/** Why the SQLite file could not be opened, and the setting to change; other errors as they are. */
function sqliteOpenFailure(error: unknown, filename: string): unknown {
  const where = path.resolve(filename);
  const code = (error as { code?: unknown } | undefined)?.code;
  let why: string | undefined;
  if (code === 'SQLITE_NOTADB') why = 'the file is not a SQLite database';
  else if (code === 'SQLITE_CANTOPEN') {
    why = fs.statSync(where, { throwIfNoEntry: false })?.isDirectory() ? 'it is a folder' : 'it cannot be opened or created there (no rights, or a read-only file system)';
  } else why = fileSystemFailure(error);
  if (why === undefined) return error;
  return new Error(`cannot open the SQLite database ${where}: ${why}; fix DATABASE_URL (sqlite:<a file path fleetchat may create and write>)`, { cause: error });
}

/** A file-system error as "<path>: <reason>", or undefined when it is not one. */
function fileSystemFailure(error: unknown): string | undefined {
  const code = systemCode(error);
  const at = (error as { path?: unknown } | undefined)?.path;
  if (code === undefined || typeof at !== 'string') return undefined;
  const reasons: Record<string, string> = {
    EEXIST: 'is a file where a folder is needed',
    ENOTDIR: 'has a file where a folder is needed along its path',
    EROFS: 'is on a read-only file system',
    EACCES: 'may not be written by this user',
    EPERM: 'may not be written by this user',
    EISDIR: 'is a folder where a file is needed',
    ENOENT: 'does not exist and cannot be created',
    ENOSPC: 'is on a full disk',
  };
  return `${at} ${reasons[code] ?? `cannot be used (${code})`}`;
}

export async function createCoordination(config: Config): Promise<Coordination> {
  if (!config.redisUrl) return createMemoryCoordination();
  const { createRedisCoordination } = await import('./coordination/redis/index.ts');
  try {
    return await createRedisCoordination({ url: config.redisUrl });
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'UNAVAILABLE')) throw error;
    // At start, where and what to change, not "retry shortly" (the message of a request's 503).
    const code = systemCode(error);
    throw new AppError(
      'UNAVAILABLE',
      `cannot reach Redis at ${endpoint(config.redisUrl, 6379)}${code === undefined ? '' : ` (${code})`}: start it, or fix REDIS_URL (without REDIS_URL, one instance runs without Redis)`,
      { cause: error },
    );
  }
}

/**
 * JWT_SECRET, else a secret generated once and kept in the data folder. With PostgreSQL,
 * instances must share the key, so it has to be given.
 */
export function resolveJwtSecret(config: Settings, warn: (message: string) => void): string {
  if (config.jwtSecret) return config.jwtSecret;
  if (config.databaseUrl.startsWith('postgres')) {
    throw new Error('JWT_SECRET must be set when DATABASE_URL is PostgreSQL: every instance must sign tokens with the same key (at least 32 characters).');
  }
  const file = path.join(config.dataDir, 'jwt-secret');
  if (config.databaseUrl === 'sqlite::memory:') return randomBytes(32).toString('base64url');
  let kept: string | undefined;
  try {
    kept = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if (systemCode(error) !== 'ENOENT') throw secretFileFailure(error, file);
  }
  if (kept !== undefined) {
    if (kept.length < shortestJwtSecret) {
      throw new Error(
        `${file} holds a JWT signing key of ${kept.length} character(s); it needs at least ${shortestJwtSecret}: delete the file to have a new key generated (tokens signed with the old one stop working), or set JWT_SECRET`,
      );
    }
    return kept;
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    makeFolder(config.dataDir);
    fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  } catch (error) {
    throw secretFileFailure(error, file);
  }
  warn(`JWT_SECRET is not set: generated one in ${file}. Set JWT_SECRET in production.`);
  return secret;
}

function secretFileFailure(error: unknown, file: string): Error {
  const why = fileSystemFailure(error) ?? (error instanceof Error ? error.message : String(error));
  return new Error(`JWT_SECRET is not set and the generated key cannot be kept in ${file}: ${why}; set JWT_SECRET (at least ${shortestJwtSecret} characters), or DATA_DIR to a folder fleetchat may write`, { cause: error });
}

/**
 * The default workspace's admin from FLEETCHAT_ADMIN_EMAIL: on the very first start, and at any
 * start that finds the workspace without an admin (users added with `fleetchat user add` before
 * the first start, or every admin deleted), so that someone can always administer it. Returns
 * the password when generated.
 */
export async function bootstrapAdmin(
  services: Services,
  warn: (message: string) => void = () => undefined,
): Promise<{ email: string; password?: string; firstStart: boolean } | undefined> {
  const { store, auth, config } = services;
  const firstStart = (await store.countUsers()) === 0;
  const workspace = await ensureWorkspace(store, DEFAULT_WORKSPACE);
  if (!firstStart && (await hasAdmin(store, workspace.id))) return undefined;
  const password = config.adminPassword ?? generatePassword();
  try {
    await auth.createUser({ workspaceId: workspace.id, email: config.adminEmail, password, role: 'admin' });
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
    // Another instance starting at the same moment created it first; else the address is taken.
    if (!(await hasAdmin(store, workspace.id))) {
      warn(`workspace "${DEFAULT_WORKSPACE}" has no admin, and FLEETCHAT_ADMIN_EMAIL (${config.adminEmail}) is already the email of a user who is not its admin: set FLEETCHAT_ADMIN_EMAIL to a new address to have an admin created at the next start`);
    }
    return undefined;
  }
  return { email: config.adminEmail, password: config.adminPassword ? undefined : password, firstStart };
}

async function hasAdmin(store: Store, workspaceId: string): Promise<boolean> {
  // The first admin is usually the first user: one page in practice.
  for await (const user of workspaceUsers(store, workspaceId)) if (user.role === 'admin') return true;
  return false;
}

export interface Server {
  app: FastifyInstance;
  services: Services;
  url: string;
  admin?: { email: string; password?: string; firstStart: boolean };
  /** Settles when the start's background routing work (encoder mode: tidy, then warm up) is over. */
  warmedUp: Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: FastifyServerOptions['logger'];
  fetch?: typeof fetch;
  /** Listen (default) or only build the app (tests may inject). */
  listen?: boolean;
  warn?: (message: string) => void;
  /** Housekeeping done in the background after start (default: a line on stdout). */
  info?: (message: string) => void;
}

/** Says which agents of an earlier fleet were archived because the fleet no longer lists them. */
export function archivedLine(archived: FleetSyncResult['archived'], source: string): string {
  const names = archived.map((agent) => (agent.workspace === DEFAULT_WORKSPACE ? agent.name : `${agent.name} (workspace ${agent.workspace})`));
  return `fleet: archived ${archived.length} agent(s) that ${source === demoFleetSource ? 'the built-in demo fleet' : source} no longer lists: ${names.join(', ')} (their history stays readable; list them again to bring them back)`;
}

/** Everything `fleetchat serve` does before it listens: store, schema, fleet, admin, sweep. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<Server> {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const jwtSecret = resolveJwtSecret(config, warn);
  const store = await createStore(config);
  const coordination = await createCoordination(config);
  const metrics = new Metrics({ defaultMetrics: true });
  let built: Services | undefined;
  try {
    await store.migrate();
    const services = (built = createServices({ config, store, coordination, jwtSecret, fetch: options.fetch, metrics, warn }));
    // Read now, so that a wrong ROUTING_WORD_VECTORS path stops the start, not the first message.
    services.wordVectors();
    // The same for routing.mode encoder: a missing optional package stops the start, with what to do.
    await services.routing.ready();
    const workspace = await ensureWorkspace(store, DEFAULT_WORKSPACE);
    const synced = await syncFleet(store, services.agents, config.fleet);
    let stopping = false;
    const info = options.info ?? ((message: string) => process.stdout.write(`${message}\n`));
    if (synced.archived.length > 0) info(archivedLine(synced.archived, config.fleet.source));
    if ((await store.listAgents(workspace.id, { status: 'online', limit: 1, offset: 0 })).data.length === 0) {
      warn(`workspace "${DEFAULT_WORKSPACE}" has no online agent: its messages are refused (404 AGENT_NOT_FOUND) until one is listed in the fleet file (${config.fleet.source}) or created with POST /api/agents`);
    }
    // Encoder mode: the stored vectors of texts no agent uses any more are deleted, then the
    // agents' texts are embedded in the background (seconds for a fleet); messages meanwhile are
    // routed by the embedded router.
    const tidied = services.routing
      .tidy()
      .then((result) => {
        if (result && result.dropped > 0) info(`routing: deleted the stored vectors of ${result.dropped} text(s) no agent uses any more (${result.kept} kept)`);
      })
      .catch((error: unknown) => {
        if (!stopping) warn(`routing: the stored vectors of texts no agent uses could not be deleted (${error instanceof Error ? error.message : String(error)}); they stay until the next start`);
      });
    const warmedUp = tidied
      .then(() => services.routing.warmUp(workspace.id))
      .catch((error: unknown) => {
        if (!stopping) warn(`routing: the encoder could not embed the agents' texts yet (${error instanceof Error ? error.message : String(error)}); the embedded router answers until it can`);
      });
    const swept = await store.sweepStreaming();
    if (swept > 0) warn(`marked ${swept} answer(s) left unfinished by an earlier stop as incomplete.`);
    const admin = await bootstrapAdmin(services, warn);
    const app = await buildApp(services, { logger: options.logger });
    const sockets = attachWebSocket(app, services);
    let url = '';
    if (options.listen !== false) url = await app.listen({ port: config.port, host: config.host });
    else await app.ready();
    const close = async () => {
      stopping = true;
      await sockets.drain(config.shutdownDrainMs);
      await app.close();
      await Promise.allSettled([...services.running]);
      await services.routing.close();
      await coordination.close();
      await store.close();
    };
    return { app, services, url, admin, warmedUp, close };
  } catch (error) {
    await built?.routing.close().catch(() => undefined);
    await coordination.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}
