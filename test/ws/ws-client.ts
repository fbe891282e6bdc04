/**
 * A `ws` client for the streaming tests: it queues every frame it receives so a test can wait
 * for the next one matching a predicate, and it records how the socket closed.
 */
import http from 'node:http';
import WebSocket from 'ws';
import type { TestServer } from '../helpers/harness.ts';

export type Frame = Record<string, any> & { type: string };

export interface TestSocket {
  socket: WebSocket;
  frames: Frame[];
  /** The next frame (from the start of the queue) matching `match`, waiting up to `timeoutMs`. */
  next(match?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Every frame of one answer, through its `done` or `error`. */
  answer(requestId: string, timeoutMs?: number): Promise<Frame[]>;
  send(frame: unknown): void;
  /** Resolves with the close code (1006 when the connection was cut without a close frame). */
  closed: Promise<{ code: number; reason: string; at: number }>;
}

export const wsUrl = (t: TestServer, token: string | undefined) =>
  `${t.baseUrl.replace(/^http/, 'ws')}/api/chat/ws${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

export async function connect(t: TestServer, token: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
  const socket = new WebSocket(wsUrl(t, token), options);
  const frames: Frame[] = [];
  // Several waits may run at once (answers collected in parallel): wake them all.
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  socket.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as Frame);
    wake();
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString(), at: Date.now() });
      wake();
    });
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    socket.once('error', reject);
  });

  const next: TestSocket['next'] = async (match = () => true, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Frames before a match stay queued for later predicates; only the match is used up.
      const index = frames.findIndex(match);
      if (index >= 0) return frames.splice(index, 1)[0];
      if (socket.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting; frames left: ${JSON.stringify(frames)}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; frames left: ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, remaining);
        waiters.add(done);
      });
    }
  };

  const answer: TestSocket['answer'] = async (requestId, timeoutMs = 10_000) => {
    const collected: Frame[] = [];
    for (;;) {
      const frame = await next((candidate) => candidate.requestId === requestId, timeoutMs);
      collected.push(frame);
      if (frame.type === 'done' || frame.type === 'error') return collected;
    }
  };

  return { socket, frames, next, answer, send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)), closed };
}

/**
 * Attempts the upgrade and reports the HTTP answer when it is refused: status, body, and
 * whether a socket ever opened.
 */
export function tryUpgrade(url: string): Promise<{ opened: boolean; status?: number; body?: any }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.on('open', () => {
      socket.terminate();
      resolve({ opened: true });
    });
    socket.on('unexpected-response', (_request, response: http.IncomingMessage) => {
      let text = '';
      response.on('data', (piece) => (text += piece));
      response.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ opened: false, status: response.statusCode, body });
      });
    });
    socket.on('error', () => resolve({ opened: false }));
  });
}

/** The stored messages of a session, oldest first, as history shows them. */
export async function sessionHistory(t: TestServer, token: string, sessionId: string): Promise<any[]> {
  const response = await t.request('GET', `/api/chat/history?sessionId=${sessionId}&order=asc&limit=200`, { token });
  if (response.status !== 200) throw new Error(`history: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data;
}

/** The stored assistant message with this id, polled until it has left `streaming`. */
export async function storedAnswer(t: TestServer, token: string, sessionId: string, messageId: string, timeoutMs = 5_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await sessionHistory(t, token, sessionId)).find((message) => message.id === messageId);
    if (found && found.status !== 'streaming') return found;
    if (Date.now() > deadline) throw new Error(`message ${messageId} not stored as final: ${JSON.stringify(found)}`);
    await sleep(25);
  }
}

export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** `count` chunks of the same text, for streams of a known size. */
export const chunksOf = (count: number, text: (index: number) => string = (index) => `w${index} `) =>
  Array.from({ length: count }, (_, index) => text(index));
