/** URLs as the command line builds them. */
import net from 'node:net';

/** A host as it goes into a URL: an IPv6 address in brackets (`[::1]`), anything else as it is. */
export function hostInUrl(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}
