/**
 * A real HTTP server on 127.0.0.1 standing in for an OpenAI-compatible provider's `/embeddings`.
 * Vectors are bag-of-words hashes, so texts sharing words are similar and results are repeatable.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../../src/providers/chat-model.ts';

export const DIMENSIONS = 64;

export function hashEmbedding(text: string): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let hash = 2166136261;
    for (const character of word) hash = Math.imul(hash ^ character.charCodeAt(0), 16777619);
    vector[(hash >>> 0) % DIMENSIONS] += 1;
  }
  return vector;
}

export type EmbeddingsBehaviour = 'ok' | 'error-500' | 'malformed-json' | 'hang';

export interface FakeEmbeddingsServer {
  baseUrl: string;
  /** Every `input` array received, in order. */
  requests: string[][];
  behaviour: EmbeddingsBehaviour;
  close(): Promise<void>;
}

export async function startFakeEmbeddingsServer(): Promise<FakeEmbeddingsServer> {
  const state = { requests: [] as string[][], behaviour: 'ok' as EmbeddingsBehaviour };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/embeddings') return void response.writeHead(404).end();
      const { input } = JSON.parse(body) as { model: string; input: string[] };
      state.requests.push(input);
      if (state.behaviour === 'hang') return; // never answers; the client must time out
      if (state.behaviour === 'error-500') return void response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
      if (state.behaviour === 'malformed-json') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [');
      const data = input.map((text, index) => ({ object: 'embedding', index, embedding: hashEmbedding(text) }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: EmbeddingsBehaviour) {
      state.behaviour = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A ChatModel whose answer the test scripts: text chunks, a thrown error, or a stall. */
export function scriptedChatModel(script: () => { chunks?: string[]; error?: Error; stall?: boolean }): ChatModel & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    provider: 'fake',
    requests,
    async *stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatStreamPart> {
      requests.push(request);
      const { chunks = [], error, stall } = script();
      if (error !== undefined) throw error;
      for (const text of chunks) yield { type: 'text-delta', text };
      if (stall) {
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      }
      yield { type: 'end', usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'stop' };
    },
  };
}
