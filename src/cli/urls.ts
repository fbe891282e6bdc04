/** URLs as the command line builds them. */
import net from 'node:net';

/** A host as it goes into a URL: an IPv6 address in brackets (`[::1]`), anything else as it is. */
export function hostInUrl(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

/** A HOST that binds every interface; the server is then reached on the loopback (127.0.0.1). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}
