/**
 * Group commit for SQLite. better-sqlite3 is synchronous and every transaction ends in a WAL
 * write; under load that commit, not the statements, is the main cost of an answer. Writes
 * queued in one turn of the event loop run together in one transaction, each inside its own
 * savepoint (a nested better-sqlite3 transaction), so that one failing write is rolled back
 * alone and rejects alone, while the others commit. A write's promise resolves only after the
 * commit that holds it, so nothing is acknowledged before it is durable.
 */
import type { Database } from 'better-sqlite3';
import { translateError } from './errors.ts';

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

export function createGroupCommit(database: Database) {
  let pending: PendingWrite[] = [];
  // Prepared once: a savepoint per write costs three cheap statements, not a new wrapper.
  let savepoint: { begin: () => void; release: () => void; rollback: () => void } | undefined;
  const statements = () => {
    if (!savepoint) {
      const begin = database.prepare('SAVEPOINT fleetchat_write');
      const release = database.prepare('RELEASE fleetchat_write');
      const rollback = database.prepare('ROLLBACK TO fleetchat_write');
      savepoint = { begin: () => begin.run(), release: () => release.run(), rollback: () => { rollback.run(); release.run(); } };
    }
    return savepoint;
  };

  const flush = (): void => {
    const batch = pending;
    pending = [];
    try {
      const { begin, release, rollback } = statements();
      database.transaction(() => {
        for (const write of batch) {
          begin();
          try {
            write.outcome = { ok: true, value: write.run() };
            release();
          } catch (error) {
            rollback();
            write.outcome = { ok: false, error: translateError(error) };
          }
        }
      })();
    } catch (error) {
      // The commit itself failed (disk full, database closed): nothing of the batch was kept.
      const failure = translateError(error);
      for (const write of batch) write.reject(failure);
      return;
    }
    for (const write of batch) {
      const outcome = write.outcome as NonNullable<PendingWrite['outcome']>;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    }
  };

  return <Parameters extends unknown[], Result>(method: (...parameters: Parameters) => Result) =>
    (...parameters: Parameters): Promise<Result> =>
      new Promise<Result>((resolve, reject) => {
        pending.push({ run: () => method(...parameters), resolve: resolve as (value: unknown) => void, reject });
        if (pending.length === 1) setImmediate(flush);
      });
}
