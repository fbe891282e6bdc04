/**
 * What the entity modules of this folder share: the synchronous shape of the port that they
 * implement (better-sqlite3 is synchronous; `sqlite-store.ts` turns it back into promises in one
 * place), lazily prepared statements and atomic writes.
 */
import type { Database } from 'better-sqlite3';
import type { Store } from '../store.ts';

/** The port with every `Promise<T>` result unwrapped to `T`. */
export type Synchronous<T> = {
  [Key in keyof T]: T[Key] extends (...parameters: infer Parameters) => Promise<infer Result>
    ? (...parameters: Parameters) => Result
    : never;
};

export type SynchronousStore = Synchronous<Omit<Store, 'kind'>>;

/**
 * `body` as one atomic write: in its own transaction when called alone, as is when a transaction
 * is already open. On the answer path the group commit has opened one, and undoes a write that
 * throws (it rolls the batch back and runs it again with a savepoint per write); a nested
 * better-sqlite3 transaction would add a savepoint of its own around the same work. Whoever
 * opens the enclosing transaction must likewise roll back a write that throws.
 */
export function atomic<Input, Result>(database: Database, body: (input: Input) => Result): (input: Input) => Result {
  const alone = database.transaction(body);
  return (input) => (database.inTransaction ? body(input) : alone(input));
}

/**
 * Prepares a set of statements on first use and keeps them for the life of the connection.
 * Lazy rather than at open time because the tables may not exist until `migrate()` has run;
 * a failed preparation is not cached, so a call before migrating fails and a later one works.
 */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

// Lone surrogates cannot be encoded as UTF-8: the driver would silently store U+FFFD instead.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The store's rule for text: it round-trips exactly or is refused. Emoji, any length and NUL
 * bytes round-trip in SQLite (bound with their length, so NUL does not end the string);
 * PostgreSQL cannot store NUL and refuses it there. Lone UTF-16 surrogates have no UTF-8 form
 * in either backend, so both refuse them rather than store a replacement character.
 */
export function assertStorableText(value: string, field: string): void {
  if (loneSurrogate.test(value)) {
    throw new RangeError(`${field} contains a lone UTF-16 surrogate, which cannot be stored`);
  }
}
