import pg from 'pg';
import net from 'node:net';

/**
 * Which store the app-level suites run on: `TEST_STORE=sqlite` (default) or `postgres`.
 * scripts/test.mjs runs the suites once per store, so the store is a parameter of the tests,
 * not a second copy of them.
 */
export const testStore = (process.env.TEST_STORE ?? 'sqlite') as 'sqlite' | 'postgres';
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when something accepts TCP connections at the URL's host and port. */
export function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const parsed = new URL(url);
  const port = Number(parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432));
  return new Promise((resolve) => {
    const socket = net.connect({ host: parsed.hostname, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function uniqueSchema(): string {
  return `fc_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A new schema of the test database, and the DATABASE_URL that keeps fleetchat's tables in it. */
export async function createTestSchema(): Promise<{ schema: string; databaseUrl: string }> {
  const schema = uniqueSchema();
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return { schema, databaseUrl: `${testDatabaseUrl}${testDatabaseUrl.includes('?') ? '&' : '?'}schema=${schema}` };
}

export async function dropTestSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
