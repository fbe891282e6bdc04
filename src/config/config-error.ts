/**
 * The one error loading configuration throws. Its message is a single line that names the
 * variable (or the file and the path inside it) and what it accepts, because the operator reads
 * it on a terminal when the start is refused and should be able to fix the value from it alone.
 */
export class ConfigError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    // Newlines would break the "one clear line" promise of CONFIG.md, whatever the source says.
    super(message.replace(/\s*[\r\n]+\s*/g, ' '), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
  }
}

const longestQuotedValue = 80;

/** A value as shown inside `(got …)`: quoted, escaped and shortened so it stays on one line. */
export function quoteValue(value: unknown): string {
  if (typeof value !== 'string') {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'a list';
    if (typeof value === 'object') return 'a mapping';
    return String(value);
  }
  const shortened = value.length > longestQuotedValue ? `${value.slice(0, longestQuotedValue)}…` : value;
  return JSON.stringify(shortened);
}

/**
 * Hides the password of a URL, in its user part or as `?password=` (which the PostgreSQL driver
 * reads too), so that a refused DATABASE_URL or REDIS_URL never ends up in a log with it.
 */
export function redactUrl(value: string): string {
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^/\s]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}
