import { QueuedAnswerStream, type AnswerStream } from './answer-stream.ts';
import { FleetchatError } from './errors.ts';
import type { StreamFrame, StreamInput } from './types.ts';
import { OPEN, loadWebSocket, type WebSocketConstructor, type WebSocketLike } from './websocket.ts';

export interface StreamSocketOptions {
  /** The `ws://…/api/chat/ws?token=…` address, read when a socket opens (the token may change). */
  url: () => string | undefined;
  WebSocket?: WebSocketConstructor;
  /** An unused socket is closed after this long (the server caps sockets per user). */
  idleTimeoutMs: number;
  /** Frames a second the client sends at most; the server refuses frames past its own rate. */
  framesPerSecond: number;
  /** Why a socket did not open: a browser hides the upgrade's HTTP status, so ask over REST. */
  explainFailure: () => Promise<FleetchatError>;
}

let counter = 0;
/** Unique per socket is enough; `crypto.randomUUID` is missing on plain-http pages. */
const newRequestId = () => `r-${Date.now().toString(36)}-${(++counter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Turns a close code into the error of the answers that were still running. */
function closeError(code: number, reason: string): FleetchatError {
  if (code === 4401) return new FleetchatError(reason || 'The token expired or its user was removed; log in again.', { code: 'UNAUTHORIZED', status: 401 });
  if (code === 1001) return new FleetchatError(reason || 'The server is shutting down.', { code: 'UNAVAILABLE', status: 503 });
  return new FleetchatError(`The WebSocket closed (${code}${reason ? `: ${reason}` : ''}) before the answer ended.`, { code: 'CONNECTION_CLOSED', status: 0 });
}

function isFrame(value: unknown): value is StreamFrame & { requestId?: string } {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** One WebSocket and the answers running on it, told apart by `requestId`. */
class Connection {
  readonly opened: Promise<WebSocketLike>;
  closed = false;
  #socket: WebSocketLike | undefined;
  #streams = new Map<string, QueuedAnswerStream>();
  #retiring = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  // Sends go through one chain so that a cancel never overtakes its message, and are paced.
  #sendChain: Promise<unknown> = Promise.resolve();
  #nextSendAt = 0;
  readonly #options: StreamSocketOptions;

  constructor(url: string, options: StreamSocketOptions) {
    this.#options = options;
    this.opened = this.#open(url);
    // A failed open is reported to each stream; this only keeps it from being "unhandled".
    this.opened.catch(() => undefined);
  }

  get running(): number {
    return this.#streams.size;
  }

  start(stream: QueuedAnswerStream, frame: Record<string, unknown>): void {
    this.#streams.set(stream.requestId, stream);
    clearTimeout(this.#idleTimer);
    this.send(frame);
  }

  send(frame: Record<string, unknown>): void {
    this.#sendChain = this.#sendChain.then(async () => {
      let socket: WebSocketLike;
      try {
        socket = await this.opened;
      } catch (error) {
        // explainFailure gives a FleetchatError; a constructor that threw (bad URL) gives anything.
        this.#failAll(error instanceof FleetchatError ? error : new FleetchatError(`Could not open the WebSocket: ${String(error)}`, { code: 'CONNECTION_ERROR', status: 0, cause: error }));
        return;
      }
      const wait = this.#nextSendAt - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.#nextSendAt = Math.max(Date.now(), this.#nextSendAt) + 1000 / this.#options.framesPerSecond;
      if (socket.readyState === OPEN) socket.send(JSON.stringify(frame));
    });
  }

  /** Stops taking new answers; closes once the running ones end (the token changed). */
  retire(): void {
    this.#retiring = true;
    if (this.#streams.size === 0) this.close();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.#idleTimer);
    this.#socket?.close(1000, 'client done');
  }

  async #open(url: string): Promise<WebSocketLike> {
    const WebSocket = this.#options.WebSocket ?? (await loadWebSocket());
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.addEventListener('message', (event) => this.#onMessage(event.data));
    return new Promise((resolve, reject) => {
      let isOpen = false;
      socket.addEventListener('open', () => {
        isOpen = true;
        resolve(socket);
      });
      socket.addEventListener('error', () => undefined);
      socket.addEventListener('close', (event) => {
        this.closed = true;
        clearTimeout(this.#idleTimer);
        if (isOpen) return this.#failAll(closeError(event.code, event.reason));
        void this.#options.explainFailure().then((error) => {
          reject(error);
          this.#failAll(error);
        });
      });
    });
  }

  #onMessage(data: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      return;
    }
    // Frames without a known requestId (a late NOT_IN_PROGRESS after a cancel, for one) belong
    // to no running answer of this client.
    if (!isFrame(frame) || frame.requestId === undefined) return;
    const stream = this.#streams.get(frame.requestId);
    if (!stream) return;
    stream.push(frame);
    if (stream.finished) this.#ended(frame.requestId);
  }

  #ended(requestId: string): void {
    this.#streams.delete(requestId);
    if (this.#streams.size > 0) return;
    if (this.#retiring) return this.close();
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.close(), this.#options.idleTimeoutMs);
  }

  #failAll(error: FleetchatError): void {
    for (const stream of this.#streams.values()) stream.fail(error);
    this.#streams.clear();
  }
}

/** The one socket a client keeps for its streams, opened on first use and reopened as needed. */
export class StreamSocket {
  #connection: Connection | undefined;
  readonly #options: StreamSocketOptions;

  constructor(options: StreamSocketOptions) {
    this.#options = options;
  }

  stream(input: StreamInput): AnswerStream {
    const { requestId = newRequestId(), ...rest } = input;
    const url = this.#options.url();
    let connection: Connection | undefined;
    const stream = new QueuedAnswerStream(requestId, () => connection?.send({ type: 'cancel', requestId }));
    if (url === undefined) {
      stream.fail(new FleetchatError('No token: call login() first, or pass `token` to the client.', { code: 'UNAUTHORIZED', status: 401 }));
      return stream;
    }
    if (!this.#connection || this.#connection.closed) this.#connection = new Connection(url, this.#options);
    connection = this.#connection;
    connection.start(stream, { type: 'message', ...rest, requestId });
    return stream;
  }

  /** The token changed: running answers finish on the old socket, new ones open a new one. */
  retire(): void {
    this.#connection?.retire();
    this.#connection = undefined;
  }

  close(): void {
    this.#connection?.close();
    this.#connection = undefined;
  }
}
