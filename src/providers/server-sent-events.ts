/**
 * An incremental parser for `text/event-stream` bodies (the WHATWG format both OpenAI and
 * Anthropic stream in). Network chunks split lines, UTF-8 sequences and even `\r\n` pairs
 * anywhere, so nothing is assumed about where a chunk ends.
 */
import { ProviderError } from './chat-model.ts';
import { toTransportError } from './upstream-http.ts';

export interface ServerSentEvent {
  /** The `event:` field; undefined when the event had none (the spec's "message"). */
  event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

export class ServerSentEventParser {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private eventName: string | undefined = undefined;
  private dataLines: string[] = [];

  /** Feeds one network chunk; returns the events it completed. */
  push(bytes: Uint8Array): ServerSentEvent[] {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    return this.drainLines(false);
  }

  /**
   * The body ended: flushes what is left. Lenient on purpose: a last event without its blank
   * line (seen from some OpenAI-compatible servers after `[DONE]`) is still delivered; a torn
   * JSON line then fails to parse in the adapter, which is the error we want for a cut stream.
   */
  finish(): ServerSentEvent[] {
    this.buffer += this.decoder.decode();
    const events = this.drainLines(true);
    if (this.buffer.length > 0) this.handleLine(this.buffer, events);
    this.buffer = '';
    this.dispatch(events);
    return events;
  }

  private drainLines(atEnd: boolean): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    let start = 0;
    const buffer = this.buffer;
    for (let index = 0; index < buffer.length; index++) {
      const character = buffer.charCodeAt(index);
      if (character !== 10 && character !== 13) continue;
      // A `\r` at the very end may be the first half of `\r\n`: wait for the next chunk.
      if (character === 13 && index === buffer.length - 1 && !atEnd) break;
      this.handleLine(buffer.slice(start, index), events);
      if (character === 13 && buffer.charCodeAt(index + 1) === 10) index++;
      start = index + 1;
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start);
    return events;
  }

  private handleLine(line: string, events: ServerSentEvent[]): void {
    if (line.length === 0) {
      this.dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment, used as keep-alive */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
    // `id` and `retry` only matter for EventSource reconnection, which we never do.
  }

  private dispatch(events: ServerSentEvent[]): void {
    if (this.dataLines.length > 0) {
      events.push({ event: this.eventName, data: this.dataLines.join('\n') });
    }
    this.dataLines = [];
    this.eventName = undefined;
  }
}

/**
 * Reads the events of a streaming body. Leaving early (abort, a parse error in the caller, a
 * consumer that stops iterating) cancels the body, which closes the upstream connection so the
 * model stops generating (and billing) at once.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  label: string,
): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const parser = new ServerSentEventParser();
  let finished = false;
  try {
    while (true) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw toTransportError(error, signal, label);
      }
      if (signal.aborted) throw toTransportError(signal.reason, signal, label);
      if (result.done) {
        finished = true;
        yield* parser.finish();
        return;
      }
      yield* parser.push(result.value);
    }
  } finally {
    if (!finished) reader.cancel().catch(() => {});
  }
}

export function parseEventJson(event: ServerSentEvent, label: string): unknown {
  try {
    return JSON.parse(event.data);
  } catch (error) {
    const excerpt = event.data.length > 120 ? `${event.data.slice(0, 120)}…` : event.data;
    throw new ProviderError('network', `${label} sent a malformed stream event: ${excerpt}`, { cause: error });
  }
}
