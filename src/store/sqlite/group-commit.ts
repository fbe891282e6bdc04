/**
 * Group commit for SQLite. better-sqlite3 is synchronous and every transaction ends in a WAL
 * write; under load that commit, not the statements, is the main cost of an answer. Writes
 * queued in one turn of the event loop run together in one transaction. A write's promise
 * resolves only after the commit that holds it, so nothing is acknowledged before it is durable.
 *
 * One failing write must be rolled back alone and reject alone, while the others commit. The
 * batch first runs without a savepoint per write (a savepoint costs two more statements, and
 * SQLite copies every page a write touches into the savepoint's journal); if any write throws,
 * that whole transaction is rolled back and the batch runs again, each write inside its own
 * savepoint (a nested better-sqlite3 transaction), which settles each write on its own. The
 * writes are SQL on their parameters, so running them a second time does the same.
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

  /** Thrown out of the optimistic transaction to roll it back when one of its writes failed. */
  const writeFailed = Symbol('write failed');

  // Every write, no savepoint: the common case, where none throws.
  const runOptimistic = (batch: PendingWrite[]): void => {
    for (const write of batch) {
      try {
        write.outcome = { ok: true, value: write.run() };
      } catch {
        throw writeFailed;
      }
    }
  };

  // One savepoint per write: a write that throws is rolled back alone.
  const runIsolated = (batch: PendingWrite[]): void => {
    const { begin, release, rollback } = statements();
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
  };

  let optimistic: ((batch: PendingWrite[]) => void) | undefined;
  let isolated: ((batch: PendingWrite[]) => void) | undefined;

  const flush = (): void => {
    const batch = pending;
    pending = [];
    try {
      optimistic ??= database.transaction(runOptimistic);
      isolated ??= database.transaction(runIsolated);
      try {
        optimistic(batch);
      } catch (error) {
        // better-sqlite3 has rolled the transaction back: nothing of the batch was kept.
        if (error !== writeFailed) throw error;
        isolated(batch);
      }
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
