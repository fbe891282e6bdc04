/**
 * The server `fleetchat chat` talks to: --url, else FLEETCHAT_URL, else built from HOST and PORT
 * as the server reads them (the settings are read only then). Checked before anything else,
 * because the token goes into the WebSocket's URL and an error about that URL would print it.
 */
import { quoteValue, redactUrl } from '../config/config-error.ts';
import type { Settings } from '../config/types.ts';
import { systemCode } from '../failure-details.ts';
import { UsageError } from './command.ts';
import { hostInUrl, isWildcardHost } from './urls.ts';

export interface ChatServer {
  /** `http(s)://host:port[/prefix]`, for the REST calls. */
  httpUrl: string;
  /** `ws(s)://host:port[/prefix]`, for the WebSocket. */
  wsUrl: string;
  /** The URL as given, without credentials or a trailing slash, for messages. */
  shown: string;
  /** What to change when it cannot be reached, worded for where the URL came from. */
  fix: string;
}

const schemes = ['http:', 'https:', 'ws:', 'wss:'];

export function chooseChatServer(option: string | undefined, variable: string | undefined, readSettings: () => Pick<Settings, 'host' | 'port'>): ChatServer {
  if (option !== undefined) return readServerUrl(option, '--url', 'fix --url');
  // Empty counts as unset, as in the rest of the configuration.
  if (variable !== undefined && variable !== '') return readServerUrl(variable, 'FLEETCHAT_URL', 'fix FLEETCHAT_URL');
  const config = readSettings();
  const host = isWildcardHost(config.host) ? '127.0.0.1' : hostInUrl(config.host);
  return readServerUrl(`http://${host}:${config.port}`, 'the URL built from HOST and PORT', 'give its URL with --url or FLEETCHAT_URL (the default is built from HOST and PORT)');
}

function readServerUrl(text: string, name: string, fix: string): ChatServer {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || !schemes.includes(url.protocol) || url.hostname === '') {
    // `127.0.0.1:3000` or `localhost:3000`: the scheme was left out (suggested only without credentials, never shown).
    const guess = `http://${text}`;
    const schemeLeftOut = !/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !text.includes('@') && URL.canParse(guess) && new URL(guess).hostname !== '';
    const meant = schemeLeftOut ? `; did you mean ${guess}?` : '';
    throw new UsageError(`${name} must be an http://, https://, ws:// or wss:// URL such as http://127.0.0.1:3000 (got ${quoteValue(redactUrl(text))}${meant})`);
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  // Credentials, a query or a fragment have no use here (fetch refuses credentials in a URL).
  const base = `${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return { httpUrl: `${secure ? 'https' : 'http'}://${base}`, wsUrl: `${secure ? 'wss' : 'ws'}://${base}`, shown: `${url.protocol}//${base}`, fix };
}

/**
 * One line for a connection that failed, over fetch or the WebSocket alike: which URL, why in a
 * word (ECONNREFUSED), what to do. `secret` is removed from any message quoted, in case it holds it.
 */
export function unreachable(server: ChatServer, error: unknown, secret: string): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const reason = systemCode(error) ?? (cause instanceof Error ? cause.message : String(cause));
  const safeReason = secret === '' ? reason : reason.replaceAll(secret, '***').replaceAll(encodeURIComponent(secret), '***');
  return `cannot reach the server at ${server.shown} (${safeReason}): check that it is running there, or ${server.fix}`;
}
