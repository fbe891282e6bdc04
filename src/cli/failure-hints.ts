/**
 * What to do, for the failures a command meets at start on a new machine: the port is taken, or
 * PostgreSQL cannot be reached. The errors themselves say what failed, not where or what to
 * change. (Redis says it where it is connected: bootstrap.ts createCoordination.)
 */
import type { Config } from '../config/types.ts';
import { endpoint, systemCall, systemCode } from '../failure-details.ts';
import { StoreUnavailableError } from '../store/store.ts';

/** A one-line message that says what to do, or undefined when there is nothing to add. */
export function explainFailure(error: unknown, config: Config | undefined): string | undefined {
  if (config === undefined) return undefined;
  const code = systemCode(error);
  if (code === 'EADDRINUSE') {
    return `port ${config.port} on ${config.host} is already in use (another fleetchat, or another program): stop it, or set PORT to a free port`;
  }
  if (code === 'EACCES' && systemCall(error) === 'listen') {
    return `not allowed to listen on port ${config.port} of ${config.host}: set PORT to a port above 1023, or run with the rights to bind it`;
  }
  if (error instanceof StoreUnavailableError && /^postgres(ql)?:/.test(config.databaseUrl)) {
    return `cannot reach PostgreSQL at ${endpoint(config.databaseUrl, 5432)} (${code ?? error.message}): start it, or fix DATABASE_URL`;
  }
  return undefined;
}
