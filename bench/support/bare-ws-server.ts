/**
 * The comparison point of bench/ws-idle.ts: a bare `ws` server on node:http that accepts every
 * upgrade and keeps the socket, with no authentication, no timers and no per-socket state.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((request, response) => {
  response.writeHead(request.url === '/api/health' ? 200 : 404, { 'content-type': 'application/json' });
  response.end('{"status":"ok"}');
});
const sockets = new WebSocketServer({ server, perMessageDeflate: false });
sockets.on('connection', (socket) => socket.on('error', () => socket.terminate()));

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`bare ws listening on port ${process.env.PORT}\n`));
process.once('SIGTERM', () => {
  for (const client of sockets.clients) client.terminate();
  server.close(() => process.exit(0));
});
