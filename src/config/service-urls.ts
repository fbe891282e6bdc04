/**
 * DATABASE_URL and REDIS_URL. Each driver reads more from its URL than the host: what it would
 * misread (a database number that is not one, a misspelt parameter it ignores) is refused here,
 * where the variable can be named, instead of failing later with a driver's stack or silently
 * using another database or schema. Passwords are never echoed.
 */
import path from 'node:path';
import { ConfigError, quoteValue, redactUrl } from './config-error.ts';
import type { EnvironmentReader } from './env-reader.ts';
import { didYouMean } from './nearest-word.ts';

const defaultDatabaseUrl = 'sqlite:./data/fleetchat.db';

/**
 * The query parameters of a PostgreSQL URL that are used: `schema` (ours, taken out before the
 * URL reaches the driver) and those the `pg` driver (8.x, through pg-connection-string) reads
 * from a connection string. libpq knows more, but pg ignores the others without a word.
 */
const postgresParameters = [
  'schema',
  'sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey', 'sslnegotiation', 'uselibpqcompat',
  'application_name', 'fallback_application_name', 'client_encoding',
  'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'query_timeout',
  'host', 'port', 'user', 'password',
];

/** libpq parameters people write that pg reads differently: why each is refused. */
const refusedPostgresParameters: Record<string, string> = {
  connect_timeout: 'is not read by the PostgreSQL driver fleetchat uses (pg), which has its own connection timeout; remove it',
  // pg lets the URL's `options` replace the ones fleetchat passes, and those set search_path.
  options:
    'would replace the options fleetchat gives each connection (search_path from ?schema=, jit=off); set server settings with ALTER ROLE … SET instead',
};

/** The schema is put into search_path unquoted, so it must need no quoting (as the store checks). */
const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The SQLite path is resolved against `cwd` so the store opens the same file whatever the
 * process's own working directory; its folder becomes the default DATA_DIR.
 */
export function readDatabaseUrl(reader: EnvironmentReader, cwd: string): { url: string; folder?: string } {
  const raw = reader.text('DATABASE_URL') ?? defaultDatabaseUrl;
  const accepted = 'sqlite:<path>, sqlite::memory: or postgres://user:password@host:port/database';
  if (raw === 'sqlite::memory:') return { url: raw };
  if (raw.startsWith('sqlite:')) {
    const filePath = raw.slice('sqlite:'.length);
    if (filePath === '' || filePath.startsWith('//')) {
      throw new ConfigError(
        `DATABASE_URL must be ${accepted}; write sqlite:./relative/file.db or sqlite:/absolute/file.db (got ${quoteValue(raw)})`,
      );
    }
    // `sqlite::memory` or `sqlite::memory:x` would create a file named like that in the working folder.
    if (filePath.startsWith(':')) {
      throw new ConfigError(
        `DATABASE_URL must be ${accepted}: for a database in memory write sqlite::memory: exactly, for a file whose name starts with ":" write sqlite:./${filePath} (got ${quoteValue(raw)})`,
      );
    }
    const absolute = path.resolve(cwd, filePath);
    return { url: `sqlite:${absolute}`, folder: path.dirname(absolute) };
  }
  if (/^postgres(ql)?:\/\//.test(raw) && URL.canParse(raw) && new URL(raw).hostname !== '') {
    checkPostgresUrl(new URL(raw), raw);
    return { url: raw };
  }
  throw new ConfigError(`DATABASE_URL must be ${accepted} (got ${quoteValue(redactUrl(raw))})`);
}

function checkPostgresUrl(url: URL, raw: string): void {
  // Without a name, pg would take PGDATABASE or the user name from the process's environment:
  // a database that changes between a shell and a service manager.
  const database = url.pathname.slice(1);
  if (database === '' || database.includes('/')) {
    throw new ConfigError(
      `DATABASE_URL must name the database after the host, e.g. postgres://user@host:5432/fleetchat (got ${quoteValue(redactUrl(raw))})`,
    );
  }
  const counts = new Map<string, number>();
  for (const name of url.searchParams.keys()) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const [name, count] of counts) {
    const refused = refusedPostgresParameters[name];
    if (refused !== undefined) throw new ConfigError(`DATABASE_URL ?${name}= ${refused}`);
    if (!postgresParameters.includes(name)) {
      const hint = didYouMean(name, postgresParameters);
      throw new ConfigError(`DATABASE_URL has the unknown parameter ?${name}=${hint} (accepted: ${postgresParameters.join(', ')})`);
    }
    // The store and the driver would each read one of them, and not say which.
    if (count > 1) throw new ConfigError(`DATABASE_URL has ?${name}= ${count} times; give each parameter once`);
  }
  const schema = url.searchParams.get('schema');
  if (schema !== null && !schemaPattern.test(schema)) {
    throw new ConfigError(
      `DATABASE_URL ?schema= must be a lower-case SQL identifier: a-z, 0-9 and _, not starting with a digit, at most 63 characters (got ${quoteValue(schema)})`,
    );
  }
}

/**
 * Redis' default configuration has 16 databases; a server with more is rare enough that 0…15
 * is what we accept (Redis refuses SELECT beyond its `databases` setting).
 */
const highestRedisDatabase = 15;

export function readRedisUrl(reader: EnvironmentReader): string | undefined {
  const raw = reader.text('REDIS_URL');
  if (raw === undefined) return undefined;
  const shown = quoteValue(redactUrl(raw));
  if (!/^rediss?:\/\//.test(raw) || !URL.canParse(raw) || new URL(raw).hostname === '') {
    throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379 (got ${shown})`);
  }
  // ioredis takes the path as the database number and parseInt()s it: "abc" became SELECT NaN.
  const url = new URL(raw);
  if (url.pathname !== '' && url.pathname !== '/' && !isRedisDatabase(url.pathname.slice(1))) {
    throw new ConfigError(
      `REDIS_URL must end in /0 to /${highestRedisDatabase} (a database number) or in the port, e.g. redis://127.0.0.1:6379/0 (got ${shown})`,
    );
  }
  const database = url.searchParams.get('db');
  if (database !== null && !isRedisDatabase(database)) {
    throw new ConfigError(`REDIS_URL ?db= must be a database number from 0 to ${highestRedisDatabase} (got ${shown})`);
  }
  return raw;
}

function isRedisDatabase(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) <= highestRedisDatabase;
}
