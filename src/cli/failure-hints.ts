/**
 * What to do, for the failures a command meets at start on a new machine: the port is taken, or
 * PostgreSQL cannot be reached. The errors themselves say what failed, not where or what to
 * change. (Redis says it where it is connected: bootstrap.ts createCoordination.)
 */
import type { Settings } from '../config/types.ts';
import { endpoint, systemCall, systemCode } from '../failure-details.ts';
import { StoreUnavailableError } from '../store/store.ts';

/** A one-line message that says what to do, or undefined when there is nothing to add. */
export function explainFailure(error: unknown, config: Settings | undefined): string | undefined {
  if (config === undefined) return undefined;
  const code = systemCode(error);
  if (code === 'EADDRINUSE') {
    return `port ${config.port} on ${config.host} is already in use (another fleetchat, or another program): stop it, or set PORT to a free port`;
  }
  if (code === 'EACCES' && systemCall(error) === 'listen') {
    return `not allowed to listen on port ${config.port} of ${config.host}: set PORT to a port above 1023, or run with the rights to bind it`;
  }
  if ((code === 'ENOTFOUND' || code === 'EAI_AGAIN') && (error as { hostname?: unknown }).hostname === config.host) {
    return `HOST=${config.host} is not a name this machine can resolve: set HOST to an address of this machine (127.0.0.1 for this machine only, 0.0.0.0 for every address)`;
  }
  if (code === 'EADDRNOTAVAIL' && systemCall(error) === 'listen') {
    return `HOST=${config.host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for every address)`;
  }
  const postgres = /^postgres(ql)?:/.test(config.databaseUrl);
  const refusal = postgres ? postgresRefusal(error, config.databaseUrl) : undefined;
  if (refusal !== undefined) return refusal;
  if (error instanceof StoreUnavailableError && postgres) {
    return `cannot reach PostgreSQL at ${endpoint(config.databaseUrl, 5432)} (${code ?? error.message}): start it, or fix DATABASE_URL`;
  }
  return undefined;
}

/** PostgreSQL answered, but refused: no such database or user, a wrong password, no SSL. */
function postgresRefusal(error: unknown, databaseUrl: string): string | undefined {
  let found: { code?: unknown; message?: unknown } | undefined;
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) found = cause as typeof found;
    else if (/does not support SSL/.test(cause.message)) found = { code: 'ssl', message: cause.message };
    if (found) break;
  }
  if (found === undefined) return undefined;
  const at = `PostgreSQL at ${endpoint(databaseUrl, 5432)}`;
  const message = String(found.message);
  switch (found.code) {
    case '3D000':
      return `${at}: ${message}: create it (e.g. createdb ${JSON.stringify(databaseName(databaseUrl))}), or fix the database name in DATABASE_URL`;
    case '28000':
    case '28P01':
      return `${at} refused the login (${message}): fix the user or password in DATABASE_URL`;
    case 'ssl':
      return `${at} does not accept SSL connections: remove sslmode from DATABASE_URL, or enable SSL on the server`;
    default:
      return undefined;
  }
}

function databaseName(databaseUrl: string): string {
  try {
    return decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'postgres';
  } catch {
    return 'fleetchat';
  }
}
