/**
 * What to do, for the failures a command meets at start on a new machine: the port is taken, or
 * PostgreSQL or Redis cannot be reached. The errors themselves say what failed, not where or what
 * to change.
 */
import type { Config } from '../config/types.ts';
import { AppError } from '../errors.ts';
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
  if (error instanceof AppError && error.code === 'UNAVAILABLE' && config.redisUrl !== undefined && error.message.includes('Redis')) {
    const reason = code === undefined ? '' : ` (${code})`;
    return `cannot reach Redis at ${endpoint(config.redisUrl, 6379)}${reason}: start it, or fix REDIS_URL (without REDIS_URL, one instance runs without Redis)`;
  }
  return undefined;
}

/** host:port/path of a URL, without its credentials (a message may end up in a log). */
function endpoint(url: string, defaultPort: number): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || defaultPort}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return 'the configured address';
  }
}

/** The first `code` such as ECONNREFUSED along the error's chain of causes (and aggregated errors). */
function systemCode(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = systemCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return systemCode(error.cause, depth + 1);
}

function systemCall(error: unknown): string | undefined {
  const syscall = (error as { syscall?: unknown } | undefined)?.syscall;
  return typeof syscall === 'string' ? syscall : undefined;
}
