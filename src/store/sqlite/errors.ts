/** SQLite errors into the port's errors, so services can answer 409 and 503 alike for any backend. */
import { StoreConflictError, StoreUnavailableError } from '../store.ts';

const conflictCodes = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
// Codes that say the database cannot be used right now, not that the request was wrong.
const unavailablePrefixes = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY'];

export function translateError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (conflictCodes.has(code)) return new StoreConflictError(error.message, { cause: error });
    if (unavailablePrefixes.some((prefix) => code.startsWith(prefix))) {
      return new StoreUnavailableError(error.message, { cause: error });
    }
  }
  // better-sqlite3 throws a TypeError for any use of a closed connection.
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new StoreUnavailableError('The SQLite database is closed', { cause: error });
  }
  return error;
}
