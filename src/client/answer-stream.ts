import { FleetchatError } from './errors.ts';
import type { DoneFrame, StreamFrame } from './types.ts';

/**
 * One streamed answer: an async iterator of its frames, `start`, `chunk`…, then `done` or
 * `error`, after which it ends.
 *
 * - An `error` frame from the server is **yielded** (it is part of the answer: a cancelled
 *   answer still has its partial text and `messageId`), never thrown. `result()` is the
 *   shortcut that throws it as a FleetchatError instead.
 * - A transport failure (the socket could not open or closed mid-answer) is **thrown** from the
 *   iterator as a FleetchatError (`CONNECTION_ERROR`, `CONNECTION_CLOSED`, or `UNAUTHORIZED`
 *   when the server closed the socket because the token expired).
 * - Leaving a `for await` loop early cancels the answer on the server.
 */
export interface AnswerStream extends AsyncIterable<StreamFrame> {
  /** The id echoed on every frame of this answer. */
  readonly requestId: string;
  /** Asks the server to stop the answer; it then ends with an `error` frame `CANCELLED`. */
  cancel(): void;
  /** Reads the whole answer: the `done` frame, or a FleetchatError for an `error` frame. */
  result(): Promise<DoneFrame>;
}

/** The side of a stream its socket drives. */
export interface StreamSink {
  push(frame: StreamFrame): void;
  fail(error: FleetchatError): void;
  readonly finished: boolean;
}

/** A frame queue with a single consumer; frames that arrive before it reads are kept. */
export class QueuedAnswerStream implements AnswerStream, StreamSink {
  readonly requestId: string;
  #frames: StreamFrame[] = [];
  #failure: FleetchatError | undefined;
  #finished = false;
  #wake: (() => void) | undefined;
  #iterated = false;
  readonly #onCancel: () => void;

  constructor(requestId: string, onCancel: () => void) {
    this.requestId = requestId;
    this.#onCancel = onCancel;
  }

  get finished(): boolean {
    return this.#finished;
  }

  push(frame: StreamFrame): void {
    if (this.#finished) return;
    this.#frames.push(frame);
    if (frame.type === 'done' || frame.type === 'error') this.#finished = true;
    this.#notify();
  }

  fail(error: FleetchatError): void {
    if (this.#finished) return;
    this.#failure = error;
    this.#finished = true;
    this.#notify();
  }

  cancel(): void {
    if (!this.#finished) this.#onCancel();
  }

  async result(): Promise<DoneFrame> {
    for await (const frame of this) {
      if (frame.type === 'done') return frame;
      if (frame.type === 'error') throw FleetchatError.fromFrame(frame);
    }
    throw new FleetchatError('The answer ended without a result.', { code: 'CONNECTION_CLOSED', status: 0 });
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamFrame> {
    // Two readers would each see half the frames; say so instead of failing subtly.
    if (this.#iterated) throw new Error('An AnswerStream can be iterated only once.');
    this.#iterated = true;
    return {
      next: () => this.#next(),
      return: async () => {
        this.cancel();
        return { done: true, value: undefined };
      },
    };
  }

  async #next(): Promise<IteratorResult<StreamFrame>> {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame) return { done: false, value: frame };
      if (this.#failure) throw this.#failure;
      if (this.#finished) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
