/**
 * The part of the WHATWG WebSocket that the client uses. Browsers provide it natively; on
 * Node 20 (no global WebSocket) the `ws` package implements the same `addEventListener` API.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const OPEN = 1;

/**
 * The native WebSocket when there is one, else `ws`, imported only then: a browser bundle
 * marks `ws` external and never reaches the import, and Node users who only call REST never
 * load it.
 */
export async function loadWebSocket(): Promise<WebSocketConstructor> {
  const native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (native) return native;
  const module = (await import('ws')) as unknown as { default: WebSocketConstructor };
  return module.default;
}
