/**
 * Typed reads of single environment variables. Every refusal is a ConfigError naming the
 * variable, what it accepts and (unless the value is secret) what it got.
 */
import { ConfigError, quoteValue, redactUrl } from './config-error.ts';
import { hasCredentials, headerValueProblem } from './http-values.ts';
import { didYouMean } from './nearest-word.ts';

export type Environment = Record<string, string | undefined>;

export class EnvironmentReader {
  readonly #environment: Environment;

  constructor(environment: Environment) {
    this.#environment = environment;
  }

  /** The raw value; an empty string counts as unset, as shells and compose files often set `X=`. */
  text(name: string): string | undefined {
    const value = this.#environment[name];
    return value === undefined || value === '' ? undefined : value;
  }

  has(name: string): boolean {
    return this.text(name) !== undefined;
  }

  /**
   * A strict decimal integer: `"5x"`, `"1.5"`, `" 5"`, `"+5"` and `"1e3"` are refused, because
   * Number() and parseInt() would each silently accept some of them.
   */
  integer(name: string, options: { minimum: number; maximum: number; fallback: number }): number {
    const raw = this.text(name);
    if (raw === undefined) return options.fallback;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < options.minimum || value > options.maximum) {
      throw new ConfigError(
        `${name} must be an integer from ${options.minimum} to ${options.maximum} (got ${quoteValue(raw)})`,
      );
    }
    return value;
  }

  /** One of a few words, matched without regard to case and returned in the canonical spelling. */
  choice<Word extends string>(name: string, words: readonly Word[], fallback: Word): Word {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const found = words.find((word) => word.toLowerCase() === raw.toLowerCase());
    if (found === undefined) {
      const hint = didYouMean(raw, words);
      throw new ConfigError(`${name} must be one of ${words.join(', ')} (got ${quoteValue(raw)})${hint}`);
    }
    return found;
  }

  /**
   * A secret, never echoed. Only white space is refused rather than used: it is always a
   * slip (a quoted blank in a compose file), and as a key or password it would fail much later.
   * `advice` follows the refusal, e.g. `e.g. openssl rand -hex 32`.
   */
  secret(name: string, advice?: string): string | undefined {
    const value = this.text(name);
    if (value !== undefined && value.trim() === '') {
      throw new ConfigError(`${name} must not be only white space${advice === undefined ? '' : `; ${advice}`}`);
    }
    return value;
  }

  /** A secret sent as an HTTP header value (a provider's API key): it must be one it can carry. */
  headerSecret(name: string, advice?: string): string | undefined {
    const value = this.secret(name, advice);
    const problem = value === undefined ? undefined : headerValueProblem(value);
    if (problem !== undefined) throw new ConfigError(`${name} ${problem}`);
    return value;
  }

  /** `1`/`true`/`yes` or `0`/`false`/`no`, without regard to case. */
  flag(name: string, fallback: boolean): boolean {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    if (/^(1|true|yes)$/i.test(raw)) return true;
    if (/^(0|false|no)$/i.test(raw)) return false;
    throw new ConfigError(`${name} must be 1, true or yes to turn it on, 0, false or no to turn it off (got ${quoteValue(raw)})`);
  }

  /**
   * An http(s) URL without a trailing slash, so adapters can append `/chat/completions`.
   * `keyVariable` is where a credential goes instead of the URL, which fetch refuses.
   */
  httpUrl(name: string, keyVariable: string): string | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    if (!isHttpUrl(raw)) {
      throw new ConfigError(`${name} must be an http:// or https:// URL (got ${quoteValue(redactUrl(raw))})`);
    }
    if (hasCredentials(raw)) {
      throw new ConfigError(
        `${name} must not contain a user name or password, which fetch refuses to send; put the key in ${keyVariable} instead (got ${quoteValue(redactUrl(raw))})`,
      );
    }
    return raw.replace(/\/+$/, '');
  }
}

export function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

