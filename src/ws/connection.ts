import type { WebSocket } from 'ws';
import type { Principal } from '../auth/auth-service.ts';
import { cancelKey } from '../chat/chat-service.ts';
import { toFrame } from '../chat/frames.ts';
import { AppError, toAppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Services } from '../services.ts';
import type { FrameValidators, MessageFrame } from './frame-schema.ts';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_UNAUTHORIZED = 4401;

export interface ConnectionSettings {
  framesPerSecond: number;
  maxBufferedBytes: number;
}

/** How many refused frames in a row a flooding client gets before the socket is closed. */
const FLOOD_STRIKES = 10;

/**
 * One authenticated socket: runs each message frame through the chat pipeline (several at
 * once), renders the events as frames, and cuts everything when the peer goes away or stops
 * reading.
 */
export class Connection {
  readonly principal: Principal;
  readonly #socket: WebSocket;
  readonly #services: Services;
  readonly #validators: FrameValidators;
  readonly #settings: ConnectionSettings;
  /** Running answers by requestId. */
  readonly #running = new Map<string, AbortController>();
  #tokens: number;
  #lastRefill = performance.now();
  #strikes = 0;
  /** Set by shutdown: running answers may finish, new ones are refused. */
  #draining = false;
  alive = true;

  constructor(socket: WebSocket, principal: Principal, services: Services, validators: FrameValidators, settings: ConnectionSettings) {
    this.#socket = socket;
    this.principal = principal;
    this.#services = services;
    this.#validators = validators;
    this.#settings = settings;
    this.#tokens = settings.framesPerSecond * 2;
    socket.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => this.cancelAll('disconnected'));
    socket.on('error', () => this.cancelAll('disconnected'));
  }

  get runningCount(): number {
    return this.#running.size;
  }

  ping(): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.ping();
  }

  /** Shutdown has begun: answers already running go on, new message frames get an error. */
  refuseNewAnswers(): void {
    this.#draining = true;
  }

  /** Cuts a dead peer at once (no close handshake; the answers are cancelled by 'close'). */
  terminate(): void {
    this.cancelAll('dead peer');
    this.#socket.terminate();
  }

  cancelAll(reason: string): void {
    for (const controller of this.#running.values()) controller.abort(reason);
  }

  close(code: number, reason: string): void {
    this.cancelAll(reason);
    if (this.#socket.readyState === this.#socket.OPEN || this.#socket.readyState === this.#socket.CONNECTING) {
      this.#socket.close(code, reason);
      // A peer that does not answer the close handshake is cut after a moment.
      setTimeout(() => this.#socket.terminate(), 2_000).unref();
    }
  }

  #send(frame: object): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    // Sent first, checked after: a frame dropped here would be part of the stored prefix
    // without ever having been streamed. The overshoot is one frame.
    this.#socket.send(JSON.stringify(frame));
    this.#services.metrics.wsFrame('out');
    if (this.#socket.bufferedAmount > this.#settings.maxBufferedBytes) {
      // The peer stopped reading: stop producing for it rather than buffer without bound.
      this.close(CLOSE_POLICY, 'client is not reading; answers cancelled');
    }
  }

  #error(requestId: string | undefined, error: AppError): void {
    this.#send(toFrame({ type: 'error', error }, requestId));
  }

  /** A token bucket: `framesPerSecond`, bursts of twice that. */
  #admit(): boolean {
    const now = performance.now();
    const rate = this.#settings.framesPerSecond;
    this.#tokens = Math.min(rate * 2, this.#tokens + ((now - this.#lastRefill) / 1000) * rate);
    this.#lastRefill = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#strikes = 0;
      return true;
    }
    return false;
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    this.#services.metrics.wsFrame('in');
    if (!this.#admit()) {
      this.#strikes += 1;
      if (this.#strikes >= FLOOD_STRIKES) return this.close(CLOSE_POLICY, 'too many frames');
      return this.#error(undefined, new AppError('RATE_LIMITED', `Too many frames: at most ${this.#settings.framesPerSecond} a second.`, { retryAfter: 1 }));
    }
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      return this.#error(undefined, new AppError('VALIDATION_ERROR', 'Frames must be JSON text objects.'));
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      return this.#error(undefined, new AppError('VALIDATION_ERROR', 'Frames must be JSON objects.'));
    }
    const record = frame as Record<string, unknown>;
    const requestId = typeof record.requestId === 'string' ? record.requestId : undefined;
    const type = record.type ?? 'message';
    if (type === 'message') {
      if (!this.#validators.message(frame)) {
        return this.#error(requestId, new AppError('VALIDATION_ERROR', `Invalid message frame: ${this.#validators.lastError('message')}.`));
      }
      if (this.#draining) return this.#error(requestId, new AppError('UNAVAILABLE', 'The server is shutting down; send this message on a new connection.'));
      return void this.#answer(frame);
    }
    if (type === 'cancel') {
      if (!this.#validators.cancel(frame)) {
        return this.#error(requestId, new AppError('VALIDATION_ERROR', `Invalid cancel frame: ${this.#validators.lastError('cancel')} (give requestId or messageId).`));
      }
      return void this.#cancel(frame.requestId, frame.messageId);
    }
    return this.#error(requestId, new AppError('VALIDATION_ERROR', `Unknown frame type "${String(type)}"; use "message" or "cancel".`));
  }

  async #cancel(requestId: string | undefined, messageId: string | undefined): Promise<void> {
    if (requestId !== undefined) {
      const controller = this.#running.get(requestId);
      if (controller) return void controller.abort('cancelled');
      if (messageId === undefined) return this.#error(requestId, new AppError('NOT_IN_PROGRESS', 'No running answer has this requestId.'));
    }
    try {
      const cancelled = await this.#services.coordination.cancels.cancel(cancelKey(this.principal.userId, messageId as string));
      if (!cancelled) this.#error(requestId, new AppError('NOT_IN_PROGRESS', 'No running answer of yours has this messageId.'));
    } catch (error) {
      this.#error(requestId, toAppError(error));
    }
  }

  async #answer(frame: MessageFrame): Promise<void> {
    const requestId = frame.requestId ?? newId();
    if (this.#running.has(requestId)) {
      return this.#error(requestId, new AppError('CONFLICT', 'An answer with this requestId is already running on this socket.'));
    }
    const controller = new AbortController();
    this.#running.set(requestId, controller);
    const events = this.#services.chat.answer(
      this.principal,
      { message: frame.message, agentId: frame.agentId, sessionId: frame.sessionId, idempotencyKey: frame.idempotencyKey, explainRouting: frame.explainRouting },
      { controller },
    );
    const run = (async () => {
      for await (const event of events) this.#send(toFrame(event, requestId));
    })();
    this.#services.running.add(run);
    try {
      await run;
    } catch (error) {
      this.#error(requestId, toAppError(error));
    } finally {
      this.#services.running.delete(run);
      this.#running.delete(requestId);
    }
  }
}
