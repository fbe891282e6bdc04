/**
 * Many WebSocket clients from the benchmark process. Source addresses rotate over 127.0.0.1,
 * 127.0.0.2, … so a run never runs out of ephemeral ports on one address pair (about 28 000 by
 * default on Linux), even with sockets of earlier runs still in TIME_WAIT.
 */
import WebSocket from 'ws';

export function sourceAddress(index: number, addressCount: number): string {
  return `127.0.0.${1 + (index % addressCount)}`;
}

export function openSocket(url: string, localAddress: string, timeoutMs = 30_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const fail = (error: Error) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      reject(error);
    };
    socket.once('open', () => {
      socket.off('error', fail);
      socket.off('unexpected-response', onUnexpected);
      // An idle client must not crash the benchmark if the server drops it.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    const onUnexpected = (_request: unknown, response: { statusCode?: number }) => fail(new Error(`upgrade refused with HTTP ${response.statusCode}`));
    socket.once('unexpected-response', onUnexpected);
    socket.once('error', fail);
  });
}

export interface OpenedSockets {
  sockets: WebSocket[];
  failures: number;
  firstError?: string;
  milliseconds: number;
}

/** Opens `count` sockets, `parallel` handshakes at a time. */
export async function openSockets(url: string, options: { count: number; parallel: number; addressCount: number }): Promise<OpenedSockets> {
  const sockets: WebSocket[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < options.count) {
      const index = next;
      next += 1;
      try {
        sockets.push(await openSocket(url, sourceAddress(index, options.addressCount)));
      } catch (error) {
        failures += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, options.count) }, worker));
  return { sockets, failures, firstError, milliseconds: performance.now() - started };
}

export function closeSockets(sockets: WebSocket[]): void {
  for (const socket of sockets) socket.terminate();
}
