/**
 * A TCP proxy a test can cut and restore, to simulate an outage of PostgreSQL or Redis without
 * stopping the server that other tests and engineers share.
 *
 *   const proxy = new TcpProxy('postgres://postgres@127.0.0.1:5432/test');
 *   await proxy.start();
 *   proxy.url;            // the same URL, host and port replaced by the proxy's
 *   await proxy.cut();    // open connections destroyed, new ones refused (ECONNREFUSED)
 *   await proxy.restore(); // listens again on the same port
 */

import net from 'node:net';

const defaultPorts: Record<string, number> = { 'redis:': 6379, 'rediss:': 6379, 'postgres:': 5432, 'postgresql:': 5432 };

export class TcpProxy {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  #port = 0;
  readonly #targetUrl: URL;
  readonly #target: { host: string; port: number };
  /** Connections accepted since start (all cuts included). */
  accepted = 0;

  constructor(targetUrl: string) {
    this.#targetUrl = new URL(targetUrl);
    this.#target = { host: this.#targetUrl.hostname, port: Number(this.#targetUrl.port || defaultPorts[this.#targetUrl.protocol] || 0) };
    if (!this.#target.port) throw new Error(`TcpProxy: no port in ${targetUrl}`);
  }

  get port(): number {
    return this.#port;
  }

  /** The target URL (credentials, path and query kept) pointing at the proxy instead. */
  get url(): string {
    const url = new URL(this.#targetUrl.href);
    url.hostname = '127.0.0.1';
    url.port = String(this.#port);
    return url.href;
  }

  get isUp(): boolean {
    return this.#server !== undefined;
  }

  /** Starts listening (on a free port the first time, on the same port afterwards). */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((client) => {
      this.accepted += 1;
      const upstream = net.connect(this.#target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Refuses new connections and cuts open ones. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The outage: same as stop(). */
  cut(): Promise<void> {
    return this.stop();
  }

  /** The end of the outage: same as start(), on the same port. */
  restore(): Promise<void> {
    return this.start();
  }
}

/** The name the Redis coordination tests know it by (test/coordination/redis-test-support.ts). */
export { TcpProxy as BreakableProxy };
