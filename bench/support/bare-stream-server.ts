/**
 * The comparison point of bench/ws-streaming.ts: a bare `ws` server that streams fleetchat's own
 * mock model (same chunk delay) straight into frames of the same shape, with no auth, store,
 * routing or prompt. The mock's timer drift and the client's own costs are in both runs; the
 * difference is what the gateway adds.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { MockChatModel } from '../../src/providers/mock/mock-chat-model.ts';

const model = new MockChatModel({ chunkDelayMs: Number(process.env.CHUNK_DELAY_MS ?? 10), answerWords: Number(process.env.ANSWER_WORDS ?? 0) });
const server = createServer((request, response) => {
  response.writeHead(request.url === '/api/health' ? 200 : 404, { 'content-type': 'application/json' });
  response.end('{"status":"ok"}');
});
const sockets = new WebSocketServer({ server, perMessageDeflate: false });

sockets.on('connection', (socket) => {
  socket.on('error', () => socket.terminate());
  socket.on('message', async (data) => {
    const { message, requestId } = JSON.parse(data.toString()) as { message: string; requestId: string };
    const controller = new AbortController();
    socket.once('close', () => controller.abort());
    let response = '';
    let seq = 0;
    try {
      for await (const part of model.stream({ model: 'bench', messages: [{ role: 'user', content: message }] }, controller.signal)) {
        if (part.type !== 'text-delta') continue;
        response += part.text;
        seq += 1;
        socket.send(JSON.stringify({ type: 'chunk', requestId, seq, delta: part.text }));
      }
      socket.send(JSON.stringify({ type: 'done', requestId, response }));
    } catch (error) {
      socket.send(JSON.stringify({ type: 'error', requestId, code: 'PROVIDER_ERROR', error: String(error) }));
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => {
  for (const client of sockets.clients) client.terminate();
  server.close(() => process.exit(0));
});
