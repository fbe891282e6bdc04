/**
 * The machinery shared by the fake model servers: a real `node:http` server on 127.0.0.1
 * (port 0), request recording, per-request behaviours, and detection of clients that hang up
 * mid-answer. Each protocol (openai-server.ts, anthropic-server.ts) supplies how a streamed
 * answer and an error look on its wire.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body parsed, or the raw text when it is not JSON. */
  body: any;
}

/** What the fake does with one request. `TUsage` is the protocol's own usage shape. */
export type FakeBehavior<TUsage> =
  /**
   * A streamed answer: one delta per chunk, then the finish event and (unless `usage` is null)
   * the usage. `usage` undefined: computed from the request (words in, chunks out).
   */
  | {
      kind: 'stream';
      chunks: string[];
      usage?: TUsage | null;
      /** The protocol's own value (`stop`, `length` / `end_turn`, `max_tokens`); default the normal stop. */
      finishReason?: string;
      chunkDelayMs?: number;
      firstByteDelayMs?: number;
    }
  /** An error answer; `body` default: the protocol's error JSON with a message naming the status. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Accepts the request and never answers (for timeouts). */
  | { kind: 'hang' }
  /** Streams `afterChunks` of `chunks`, then destroys the socket (a connection cut mid-answer). */
  | { kind: 'cut'; chunks: string[]; afterChunks: number; chunkDelayMs?: number }
  /** Sends `body` verbatim with status 200 (default) as an event stream: for malformed streams. */
  | { kind: 'raw'; body: string; status?: number; contentType?: string };

export type BehaviorSource<TUsage> = FakeBehavior<TUsage> | ((request: RecordedRequest) => FakeBehavior<TUsage>);

export interface FakeUpstreamOptions<TUsage> {
  /** For every request not served by the queue; default: an echo of the last user message. */
  behavior?: BehaviorSource<TUsage>;
  /** One-shot behaviours, used in order before `behavior`. */
  queue?: Array<FakeBehavior<TUsage>>;
  /** When set, requests without this key get the protocol's 401. */
  apiKey?: string;
}

export interface FakeUpstream<TUsage> {
  /** The base URL to configure the provider with. */
  url: string;
  requests: RecordedRequest[];
  /** Replaces the default behaviour (a behaviour, or a function of the request). */
  setBehavior(behavior: BehaviorSource<TUsage>): void;
  /** Adds one-shot behaviours, used in order before the default one. */
  queueBehaviors(...behaviors: Array<FakeBehavior<TUsage>>): void;
  /** Responses the client closed before they ended (abort, cancel, timeout). */
  readonly closedConnections: number;
  /**
   * Resolves once `closedConnections` reaches `atLeast` (default 1); rejects after `timeoutMs`
   * (default 5000) so a connection left open fails the test with a clear message.
   */
  waitForClose(atLeast?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** What a protocol module supplies to the shared server. */
export interface WireProtocol<TUsage> {
  /** The one POST path served, e.g. `/v1/chat/completions`. */
  path: string;
  /** Whether the request carries `apiKey`. */
  isAuthorized(request: RecordedRequest, apiKey: string): boolean;
  errorBody(status: number, message: string): unknown;
  /** The SSE frames of a complete answer, first to last. */
  streamFrames(request: RecordedRequest, behavior: Extract<FakeBehavior<TUsage>, { kind: 'stream' }>): string[];
  /** The SSE frames for the deltas of `chunks` only (for `cut`). */
  partialFrames(request: RecordedRequest, chunks: string[]): string[];
  defaultBehavior(request: RecordedRequest): FakeBehavior<TUsage>;
}

export async function startFakeUpstream<TUsage>(
  protocol: WireProtocol<TUsage>,
  urlSuffix: string,
  options: FakeUpstreamOptions<TUsage> = {},
): Promise<FakeUpstream<TUsage>> {
  const requests: RecordedRequest[] = [];
  const queue = [...(options.queue ?? [])];
  let behavior: BehaviorSource<TUsage> = options.behavior ?? ((request) => protocol.defaultBehavior(request));
  let closedConnections = 0;
  let closeWaiters: Array<{ atLeast: number; resolve: () => void }> = [];
  const sockets = new Set<Socket>();

  const noteClientClose = (): void => {
    closedConnections++;
    const ready = closeWaiters.filter((waiter) => closedConnections >= waiter.atLeast);
    closeWaiters = closeWaiters.filter((waiter) => closedConnections < waiter.atLeast);
    for (const waiter of ready) waiter.resolve();
  };

  const server = createServer(async (incoming, response) => {
    const recorded = await recordRequest(incoming);
    requests.push(recorded);
    // Counted only when the client leaves first: our own `cut` and normal ends do not count.
    let cutByUs = false;
    response.on('close', () => {
      if (!response.writableFinished && !cutByUs) noteClientClose();
    });

    if (incoming.method !== 'POST' || recorded.path.split('?')[0] !== protocol.path) {
      sendJson(response, 404, protocol.errorBody(404, `No route for ${incoming.method} ${recorded.path}`));
      return;
    }
    if (options.apiKey !== undefined && !protocol.isAuthorized(recorded, options.apiKey)) {
      sendJson(response, 401, protocol.errorBody(401, 'Invalid API key'));
      return;
    }
    const next = queue.shift() ?? (typeof behavior === 'function' ? behavior(recorded) : behavior);
    switch (next.kind) {
      case 'status':
        sendJson(response, next.status, next.body ?? protocol.errorBody(next.status, `Fake upstream error ${next.status}`), next.headers);
        return;
      case 'hang':
        return;
      case 'raw':
        response.writeHead(next.status ?? 200, { 'content-type': next.contentType ?? 'text/event-stream' });
        response.end(next.body);
        return;
      case 'stream': {
        if (next.firstByteDelayMs) await delay(next.firstByteDelayMs);
        if (response.destroyed) return;
        startEventStream(response);
        await writeFrames(response, protocol.streamFrames(recorded, next), next.chunkDelayMs ?? 0);
        if (!response.destroyed) response.end();
        return;
      }
      case 'cut': {
        startEventStream(response);
        await writeFrames(response, protocol.partialFrames(recorded, next.chunks.slice(0, next.afterChunks)), next.chunkDelayMs ?? 0);
        // Let the frames reach the client before the connection goes, as in a real cut.
        await delay(20);
        cutByUs = true;
        response.socket?.destroy();
        return;
      }
    }
  });
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${urlSuffix}`,
    requests,
    setBehavior(source) {
      behavior = source;
    },
    queueBehaviors(...behaviors) {
      queue.push(...behaviors);
    },
    get closedConnections() {
      return closedConnections;
    },
    waitForClose(atLeast = 1, timeoutMs = 5_000) {
      if (closedConnections >= atLeast) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          closeWaiters = closeWaiters.filter((waiter) => waiter.resolve !== done);
          reject(new Error(`The client kept ${atLeast - closedConnections} connection(s) open for ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        closeWaiters.push({ atLeast, resolve: done });
      });
    },
    close() {
      // Hanging and keep-alive connections would keep close() waiting forever.
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function recordRequest(incoming: IncomingMessage): Promise<RecordedRequest> {
  const pieces: Buffer[] = [];
  for await (const piece of incoming) pieces.push(piece as Buffer);
  const text = Buffer.concat(pieces).toString('utf8');
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text, the test will say what it expected.
  }
  return { method: incoming.method ?? '', path: incoming.url ?? '', headers: incoming.headers, body };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function startEventStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // Send the headers now: clients wait for them before they start reading the body.
  response.flushHeaders();
}

async function writeFrames(response: ServerResponse, frames: string[], chunkDelayMs: number): Promise<void> {
  for (const frame of frames) {
    if (response.destroyed) return;
    response.write(frame);
    if (chunkDelayMs > 0) await delay(chunkDelayMs);
  }
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** The last user message of an OpenAI- or Anthropic-shaped body (string content only). */
export function lastUserText(request: RecordedRequest): string {
  const messages = (request.body?.messages ?? []) as Array<{ role?: string; content?: unknown }>;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index].role === 'user' && typeof messages[index].content === 'string') {
      return messages[index].content as string;
    }
  }
  return '';
}

/** A deterministic echo, split in word chunks, as the default answer of both fakes. */
export function echoChunks(request: RecordedRequest): string[] {
  const words = `Echo: ${lastUserText(request)}`.match(/\s*\S+\s*/g) ?? ['Echo:'];
  return words;
}

/** Counts words, a stand-in for tokens that tests can predict. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}
