import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { AppError, toAppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { CLOSE_GOING_AWAY, CLOSE_UNAUTHORIZED, Connection } from './connection.ts';
import { compileFrameValidators } from './frame-schema.ts';
import { createTokenSweep } from './token-sweep.ts';

export const WS_PATH = '/api/chat/ws';
/** setTimeout's largest delay; a later expiry is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WebSocketHandle {
  /** Stop accepting, let running answers finish up to `timeoutMs`, cancel the rest, close 1001. */
  drain(timeoutMs: number): Promise<void>;
  readonly connectionCount: number;
}

function refuse(socket: Duplex, status: number, error: AppError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(error.toBody());
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const reason = status === 401 ? 'Unauthorized' : status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Unavailable' : 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`);
}

const refuseShuttingDown = (socket: Duplex) =>
  refuse(socket, 503, new AppError('UNAVAILABLE', 'The server is shutting down; reconnect to another instance.'), { 'Retry-After': '1' });

/**
 * The upgrade's URL as logged: the path alone. Redacting `token=` by pattern is not enough here,
 * since `?%74oken=<jwt>` also authenticates (URLSearchParams decodes names) and would be logged.
 */
function loggedUrl(url: URL): string {
  return url.search ? `${url.pathname}?[redacted]` : url.pathname;
}

/**
 * `WS /api/chat/ws?token=<jwt>`: the token is checked before the upgrade, so a bad one gets
 * an HTTP 401 and no socket ever opens. Served on the app's own HTTP server.
 */
/** Users whose sockets re-check their tokens at each heartbeat, at most (a store read each). */
const TOKEN_CHECKS_PER_TICK = 500;

export function attachWebSocket(app: FastifyInstance, services: Services): WebSocketHandle {
  const { config, auth, coordination } = services;
  const settings = config.ws;
  const validators = compileFrameValidators(config.maxMessageChars);
  const server = new WebSocketServer({ noServer: true, maxPayload: settings.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  const connections = new Set<Connection>();
  const byUser = new Map<string, Set<Connection>>();
  let accepting = true;

  const forget = (connection: Connection) => {
    connections.delete(connection);
    const own = byUser.get(connection.principal.userId);
    own?.delete(connection);
    if (own && own.size === 0) byUser.delete(connection.principal.userId);
  };

  const recheck = (connection: Connection) =>
    auth.revokedBecause(connection.principal).then(
      (reason) => reason && connection.close(CLOSE_UNAUTHORIZED, reason),
      // The store is away: close rather than keep a socket that may have lost its right.
      () => connection.close(CLOSE_UNAUTHORIZED, 'user changed'),
    );

  // A user deleted or whose password changed: each of its sockets checks its token again.
  const stopRevocations = coordination.revocations.onUserChanged((userId) => {
    for (const connection of byUser.get(userId) ?? []) void recheck(connection);
  });

  // Tokens are re-checked at the heartbeat too: see token-sweep.ts.
  const checkSomeTokens = createTokenSweep(
    byUser,
    (connection: Connection) => auth.revokedBecause(connection.principal).then((reason) => reason && connection.close(CLOSE_UNAUTHORIZED, reason)),
    TOKEN_CHECKS_PER_TICK,
  );

  const heartbeat = setInterval(() => {
    for (const connection of connections) {
      if (!connection.alive) {
        // A dead peer would never answer a close handshake either: cut it now.
        connection.terminate();
        continue;
      }
      connection.alive = false;
      connection.ping();
    }
    checkSomeTokens();
  }, settings.pingIntervalMs);
  heartbeat.unref();

  const onUpgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // node:http hands over the socket without an error listener; a peer resetting it while the
    // token is checked would otherwise crash the process.
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, new AppError('NOT_FOUND', `No WebSocket at ${url.pathname}; use ${WS_PATH}?token=<jwt>.`));
    const started = performance.now();
    let status = 101;
    try {
      if (!accepting) {
        status = 503;
        return refuseShuttingDown(socket);
      }
      let principal;
      // A change heard of while the token was checked reached no socket of this one: see below.
      const changesBefore = auth.changeCount;
      try {
        principal = await auth.authenticate(url.searchParams.get('token') ?? undefined);
      } catch (error) {
        status = toAppError(error).status;
        return refuse(socket, status, toAppError(error));
      }
      // The token check awaited: the peer may have left, or shutdown begun, meanwhile.
      if (socket.destroyed) {
        status = 499;
        return;
      }
      if (!accepting) {
        status = 503;
        return refuseShuttingDown(socket);
      }
      const own = byUser.get(principal.userId);
      if ((own?.size ?? 0) >= settings.maxSocketsPerUser) {
        status = 429;
        return refuse(socket, 429, new AppError('RATE_LIMITED', `At most ${settings.maxSocketsPerUser} open sockets per user; close one first.`, { retryAfter: 5 }), { 'Retry-After': '5' });
      }
      server.handleUpgrade(request, socket, head, (webSocket) => {
        const connection = new Connection(webSocket, principal, services, validators, {
          framesPerSecond: settings.framesPerSecond,
          maxBufferedBytes: settings.maxBufferedBytes,
        });
        connections.add(connection);
        const set = byUser.get(principal.userId) ?? new Set<Connection>();
        set.add(connection);
        byUser.set(principal.userId, set);
        // Some user changed while this token was checked (its password, say, with the check
        // reading the user as it was): the socket was not listed yet to hear it, so it checks now.
        if (auth.changeCount !== changesBefore) void recheck(connection);
        // Close when the token expires: re-checked then, as a long-lived socket must not outlive it.
        const armExpiry = () => {
          const remaining = principal.tokenExpiresAt * 1000 - Date.now();
          return setTimeout(() => (remaining > MAX_TIMER_MS ? (expiry = armExpiry()) : connection.close(CLOSE_UNAUTHORIZED, 'token expired')), Math.min(Math.max(remaining, 0), MAX_TIMER_MS));
        };
        let expiry = armExpiry();
        webSocket.once('close', () => {
          clearTimeout(expiry);
          forget(connection);
        });
      });
    } catch (error) {
      status = 500;
      socket.destroy();
      app.log.error({ err: error }, 'websocket upgrade failed');
    } finally {
      app.log.info({ method: 'GET', url: loggedUrl(url), status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'upgrade');
    }
  };

  app.server.on('upgrade', (request, socket, head) => void onUpgrade(request, socket, head));

  return {
    get connectionCount() {
      return connections.size;
    },
    async drain(timeoutMs: number) {
      accepting = false;
      clearInterval(heartbeat);
      for (const connection of connections) connection.refuseNewAnswers();
      // services.running holds every answer of this instance (WebSocket, SSE, plain POST):
      // all of them get the drain time, and all are cancelled past it.
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && (services.running.size > 0 || [...connections].some((connection) => connection.runningCount > 0))) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      for (const connection of connections) connection.cancelAll('shutdown');
      services.chat.stop('shutdown');
      await Promise.allSettled([...services.running]);
      for (const connection of connections) connection.close(CLOSE_GOING_AWAY, 'server shutting down');
      stopRevocations();
    },
  };
}
