/**
 * What PostgreSQL does with edge content, found by trying it (pg 8 driver, server 15, UTF8):
 * - NUL (U+0000) in a text parameter: the server refuses the statement, SQLSTATE 22021
 *   "invalid byte sequence for encoding UTF8: 0x00"; inside jsonb (JSON text `\u0000`): 22P05
 *   "unsupported Unicode escape sequence".
 * - A lone UTF-16 surrogate in a text parameter: no error at all. Node encodes the string to
 *   UTF-8 and silently writes U+FFFD in its place, so the row reads back different. Inside
 *   jsonb (JSON.stringify writes `\ud800`): 22P02 "invalid input syntax for type json".
 * - Long text (megabytes) and astral characters (emoji) round-trip exactly.
 * So the store checks every string before it leaves, and refuses both with a RangeError, the
 * same error the SQLite store gives for lone surrogates: nothing is ever silently changed.
 */

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function assertStorableText(value: string, field: string): void {
  if (value.includes('\u0000')) {
    throw new RangeError(`${field} contains a NUL character, which PostgreSQL cannot store`);
  }
  if (loneSurrogate.test(value)) {
    throw new RangeError(`${field} contains a lone UTF-16 surrogate, which cannot be stored`);
  }
}

/** Checks every string of a JSON value, keys included, then serializes it for a jsonb column. */
export function toJsonParameter(value: unknown, field: string): string {
  visit(value, field);
  // Stringified here, not by pg: pg would turn a top-level array into a PostgreSQL array.
  return JSON.stringify(value ?? null);
}

function visit(value: unknown, field: string): void {
  if (typeof value === 'string') {
    assertStorableText(value, field);
  } else if (Array.isArray(value)) {
    for (const item of value) visit(item, field);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      assertStorableText(key, field);
      visit(item, field);
    }
  }
}
