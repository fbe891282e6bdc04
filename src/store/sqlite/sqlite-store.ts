/**
 * The embedded store: one better-sqlite3 connection per process, in WAL mode so readers never
 * wait for the writer. Entity modules implement the port synchronously; this file opens the
 * database, assembles them and gives every method the port's promise-returning shape and error
 * types.
 */
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { makeFolder } from '../../folders.ts';
import type { Store } from '../store.ts';
import { createAgentRepository } from './agents.ts';
import { translateError } from './errors.ts';
import { createGroupCommit } from './group-commit.ts';
import { createFeedbackRepository } from './feedback.ts';
import { createHistoryRepository } from './history.ts';
import { createIdempotencyRepository } from './idempotency.ts';
import { createMessageRepository } from './messages.ts';
import { runMigrations } from './migrations.ts';
import { atomic, lazy, type SynchronousStore } from './repository.ts';
import { createSessionRepository } from './sessions.ts';
import { createStatsRepository } from './stats.ts';
import { createUsageRepository } from './usage.ts';
import { createUserRepository } from './users.ts';
import { createWorkspaceRepository } from './workspaces.ts';
import { createRoutingVectorRepository } from './routing-vectors.ts';

export interface SqliteStoreOptions {
  /** A file path (its folder is created if missing) or `:memory:`. */
  filename: string;
  /** WAL durability: NORMAL survives a process crash, FULL also a power loss. */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** Bytes of the file read through mmap (default 1 GiB; 0 turns it off). */
  mmapSizeBytes?: number;
}

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  /** The connection, for tests, benchmarks and diagnostics only; services use the port. */
  readonly database: Database;
}

function isMemory(filename: string): boolean {
  return filename === ':memory:' || filename === '';
}

function openDatabase(options: SqliteStoreOptions): Database {
  if (!isMemory(options.filename)) makeFolder(dirname(options.filename));
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const database = new BetterSqlite3(options.filename, { timeout: busyTimeoutMs });
  // An in-memory database has no file to keep a write-ahead log in; it stays in `memory` mode.
  if (!isMemory(options.filename)) database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  // 64 MiB of page cache: the upper levels of the message indexes stay in memory at 1 M rows.
  database.pragma('cache_size = -65536');
  database.pragma('temp_store = MEMORY');
  // History pages read rows scattered over the file (sessions interleave in time); through
  // mmap a page that the OS has cached costs no read() call and no copy. Halves the time of a
  // 200-message page at 1 M messages.
  database.pragma(`mmap_size = ${options.mmapSizeBytes ?? 2 ** 30}`);
  return database;
}

/** Wraps a synchronous method: its result becomes a promise, its SQLite error a port error. */
function asynchronous<Parameters extends unknown[], Result>(
  method: (...parameters: Parameters) => Result,
): (...parameters: Parameters) => Promise<Result> {
  return (...parameters) => {
    try {
      return Promise.resolve(method(...parameters));
    } catch (error) {
      return Promise.reject(translateError(error));
    }
  };
}

/**
 * The writes of the answer path. Each is still atomic on its own, but those issued in the same
 * turn of the event loop share one commit (see group-commit.ts): with many answers at once, a
 * commit (the WAL write) is paid per batch instead of per statement.
 */
const groupCommitted = new Set(['beginTurn', 'completeAnswer', 'insertMessage', 'finishMessage', 'addUsage', 'touchAgent', 'upsertFeedback']);

export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const database = openDatabase(options);
  const pingStatement = lazy(() => database.prepare('SELECT 1').pluck());

  const methods = {
    migrate() {
      runMigrations(database);
    },
    ping() {
      try {
        return pingStatement().get() === 1;
      } catch {
        return false;
      }
    },
    close() {
      if (database.open) database.close();
    },
    ...createWorkspaceRepository(database),
    ...createUserRepository(database),
    ...createAgentRepository(database),
    ...createSessionRepository(database),
    ...createMessageRepository(database),
    ...createHistoryRepository(database),
    ...createFeedbackRepository(database),
    ...createIdempotencyRepository(database),
    ...createUsageRepository(database),
    ...createStatsRepository(database),
    ...createRoutingVectorRepository(database),
  } as SynchronousStore;

  // Composite writes of the answer path: one commit instead of one per statement, and within
  // the group commit's transaction no savepoint of their own (see atomic()).
  const beginTurn = atomic(database, (input: Parameters<SynchronousStore['beginTurn']>[0]) => {
    if (input.session) methods.createSession(input.session);
    return methods.insertMessage(input.message);
  });
  const completeAnswer = atomic(database, (input: Parameters<SynchronousStore['completeAnswer']>[0]) => {
    const { message } = input;
    if (input.streamed) {
      methods.finishMessage(message.id, {
        content: message.content,
        status: message.status === 'streaming' ? 'incomplete' : message.status,
        inputTokens: message.inputTokens ?? null,
        outputTokens: message.outputTokens ?? null,
        model: message.model ?? null,
        durationMs: message.durationMs ?? null,
      });
    } else {
      methods.insertMessage(message);
    }
    methods.addUsage(input.usage);
    methods.touchAgent(message.agentId, input.usage.at);
  });
  methods.beginTurn = (input) => beginTurn(input);
  methods.completeAnswer = (input) => completeAnswer(input);

  const batch = createGroupCommit(database);
  const store = { kind: 'sqlite', database } as Record<string, unknown>;
  for (const [name, method] of Object.entries(methods)) {
    const wrap = groupCommitted.has(name) ? batch : asynchronous;
    store[name] = wrap(method as (...parameters: unknown[]) => unknown);
  }
  return store as unknown as SqliteStore;
}
