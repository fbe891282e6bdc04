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

/** Query parameters that carry credentials: the PostgreSQL driver reads `?user=` and `?password=` too. */
const credentialParameter = /user|pass|secret|token|key/i;

/**
 * `text` without its user name, its password or a credential in its query, for a banner, a
 * message or a log (a refused DATABASE_URL or REDIS_URL included). Read as a URL, so that an `@`
 * inside a password (`postgres://u:p@ss@host/db`, which the driver reads as the password `p@ss`)
 * cannot leave part of it behind as a pattern would.
 */
export function redactUrl(text: string): string {
  // A SQLite path holds no credentials, whatever characters its file name has.
  if (text.startsWith('sqlite:')) return text;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || url.host === '') {
    // Not a URL with a host (`user:pass@host:3000` reads as the scheme "user:"): anything up to
    // the last "@" may be a user name or a password.
    const at = text.lastIndexOf('@');
    return at === -1 ? text : `${/^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? ''}***${text.slice(at)}`;
  }
  const hadUser = url.username !== '' || url.password !== '';
  const queryCredentials = [...url.searchParams.keys()].filter((name) => credentialParameter.test(name));
  // Unchanged when there is nothing to hide: the URL's own spelling is the clearest.
  if (!hadUser && queryCredentials.length === 0) return text;
  url.username = '';
  url.password = '';
  for (const name of queryCredentials) url.searchParams.set(name, '***');
  return hadUser ? url.href.replace('//', '//***@') : url.href;
}
