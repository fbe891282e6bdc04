/**
 * The PostgreSQL store: several fleetchat instances share one database through it. This file
 * builds the pool and assembles the entity modules of the folder into the port.
 *
 * Conventions of the folder:
 * - ids are `uuid` columns; a malformed id in a lookup matches nothing (as in SQLite) instead
 *   of reaching the server, which would refuse it with an error;
 * - every string is checked before it is sent (text-guard.ts): text PostgreSQL cannot hold is
 *   refused with a RangeError, never altered;
 * - hot statements are named, so each connection prepares them once and reuses the plan.
 */
import type { Store } from '../store.ts';
import { createAgentMethods } from './agents.ts';
import { createAnswerMethods } from './answers.ts';
import { createDatabase, type Database, type PostgresStoreOptions } from './connection.ts';
import { createDirectoryMethods } from './directory.ts';
import { createRoutingVectorMethods } from './routing-vectors.ts';
import { createFeedbackIdempotencyMethods } from './feedback-idempotency.ts';
import { readHistory } from './history.ts';
import { migrate } from './migrations.ts';
import { createSessionMethods } from './sessions.ts';
import { readAgentStats } from './stats.ts';
import { createUsageMethods } from './usage.ts';

export type { PostgresStoreOptions } from './connection.ts';

export interface PostgresStore extends Store {
  readonly kind: 'postgres';
  /** The pool and schema, for tests, benchmarks and diagnostics only; services use the port. */
  readonly database: Database;
}

export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const database = createDatabase(options);
  let closed = false;

  return {
    kind: 'postgres',
    database,

    migrate: () => migrate(database),

    async ping() {
      try {
        await database.query({ name: 'ping', text: 'SELECT 1' });
        return true;
      } catch {
        return false;
      }
    },

    async close() {
      // pg.Pool#end rejects when called twice; closing is idempotent here, as in SQLite.
      if (closed) return;
      closed = true;
      await database.pool.end();
    },

    ...createAnswerMethods(database),

    ...createDirectoryMethods(database),
    ...createAgentMethods(database),
    ...createSessionMethods(database),
    history: (query) => readHistory(database, query),
    ...createFeedbackIdempotencyMethods(database),
    ...createUsageMethods(database),
    agentStats: (query) => readAgentStats(database, query),
    ...createRoutingVectorMethods(database),
  };
}
