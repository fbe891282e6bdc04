import pg from 'pg';
import { StoreConflictError, StoreUnavailableError } from '../store.ts';
import { assertStorableText } from './text-guard.ts';

/**
 * The pool and the two ways the store talks to it: `query` for one statement, `transaction`
 * for several on one client. Both translate driver errors into the port's errors, so the
 * services never see a pg error code.
 */

export interface PostgresStoreOptions {
  connectionString: string;
  /** Connections kept by this instance; default 10. */
  poolSize?: number;
  /** Schema holding fleetchat's tables; default `public`. Tests use a fresh one per run. */
  schema?: string;
  /** Told about errors of idle connections (e.g. the server restarted); default: ignored. */
  onPoolError?: (error: Error) => void;
}

/** A statement: named ones are prepared once per connection and reused (hot paths). */
export interface Statement {
  name?: string;
  text: string;
  values?: unknown[];
}

export interface Queryable {
  query<Row extends object>(statement: Statement): Promise<{ rows: Row[]; rowCount: number }>;
}

export interface Database extends Queryable {
  readonly schema: string;
  readonly pool: pg.Pool;
  /** `snapshot`: a read-only transaction whose statements all see the same data. */
  transaction<T>(work: (client: Queryable) => Promise<T>, mode?: 'read-write' | 'snapshot'): Promise<T>;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

export function createDatabase(options: PostgresStoreOptions): Database {
  const schema = options.schema ?? 'public';
  // The schema goes into search_path through the startup packet, so it must need no quoting.
  if (!schemaPattern.test(schema)) {
    throw new Error(`schema must be a lower-case SQL identifier (a-z, 0-9, _), got ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    // Fail fast while the database is away: a request should get a 503, not hang.
    connectionTimeoutMillis: 2000,
    idleTimeoutMillis: 30_000,
    // No JIT: it pays off for long analytic queries, never for these short ones, and the planner
    // turned it on for admin history pages over 1 M messages (140–180 ms of compilation a page).
    options: `-c search_path=${schema} -c jit=off`,
    application_name: 'fleetchat',
  });
  // An idle client whose server went away emits `error` on the pool; unhandled, that would
  // crash the process. The pool has already dropped that client and opens a fresh one on the
  // next checkout, which is how it recovers by itself when the database comes back.
  pool.on('error', (error) => options.onPoolError?.(error));

  async function query<Row extends object>(statement: Statement): Promise<{ rows: Row[]; rowCount: number }> {
    assertStorableValues(statement);
    try {
      const result = await pool.query<Row>(statement as pg.QueryConfig);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw translateError(error);
    }
  }

  async function transaction<T>(work: (client: Queryable) => Promise<T>, mode: 'read-write' | 'snapshot' = 'read-write'): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw translateError(error);
    }
    const queryable: Queryable = {
      async query<Row extends object>(statement: Statement) {
        assertStorableValues(statement);
        const result = await client.query<Row>(statement as pg.QueryConfig);
        return { rows: result.rows, rowCount: result.rowCount ?? 0 };
      },
    };
    try {
      await client.query(mode === 'snapshot' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const value = await work(queryable);
      await client.query('COMMIT');
      client.release();
      return value;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        // The connection itself is broken: destroy it rather than hand it to the next caller.
        client.release(rollbackError instanceof Error ? rollbackError : true);
      }
      throw translateError(error);
    }
  }

  return { schema, pool, query, transaction };
}

/** Refuses, before the round trip, text that PostgreSQL would reject or silently alter. */
function assertStorableValues(statement: Statement): void {
  for (const value of statement.values ?? []) {
    if (typeof value === 'string') assertStorableText(value, 'a text value');
  }
}

/** Node socket errors meaning "cannot reach the server". */
const networkErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

/** SQLSTATEs meaning the server is going away or cannot take us now. */
const unavailableSqlStates = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovery)
  '53300', // too_many_connections
]);

/** Driver messages without a code: pool checkout timeout, socket closed under a query. */
const unavailableMessages = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'connection timeout',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
];

export function translateError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error instanceof StoreConflictError || error instanceof StoreUnavailableError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === '23505') {
    const constraint = (error as { constraint?: string }).constraint;
    return new StoreConflictError(`unique constraint violated${constraint ? `: ${constraint}` : ''}`, { cause: error });
  }
  if (typeof code === 'string' && (networkErrorCodes.has(code) || unavailableSqlStates.has(code) || code.startsWith('08'))) {
    return new StoreUnavailableError(`PostgreSQL is unavailable (${code})`, { cause: error });
  }
  // Several addresses tried at once (localhost resolving to ::1 and 127.0.0.1) arrive as one.
  if (error instanceof AggregateError && error.errors.some((inner) => translateError(inner) instanceof StoreUnavailableError)) {
    return new StoreUnavailableError('PostgreSQL is unavailable', { cause: error });
  }
  if (unavailableMessages.some((fragment) => error.message.includes(fragment))) {
    return new StoreUnavailableError(`PostgreSQL is unavailable: ${error.message}`, { cause: error });
  }
  return error;
}
