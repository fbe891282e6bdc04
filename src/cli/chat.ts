import WebSocket from 'ws';
import { chooseChatServer, unreachable, type ChatServer } from './chat-server.ts';
import { UsageError, type Command } from './command.ts';
import { refusedLocalToken, signLocalToken } from './local-token.ts';

/** `signedFor`: the email a token signed here is for (undefined when the token was given). */
async function agentIdByName(server: ChatServer, token: string, name: string, signedFor: string | undefined): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${server.httpUrl}/api/agents?limit=100`, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new UsageError(unreachable(server, error, token));
  }
  let body: { data?: { id: string; name: string }[]; error?: string };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new UsageError(`the server at ${server.shown} did not answer as fleetchat does (HTTP ${response.status} without JSON): check that fleetchat is running there, or ${server.fix}`);
  }
  if (response.status === 401 && signedFor !== undefined) throw new UsageError(refusedLocalToken(server, signedFor));
  if (!response.ok) throw new UsageError(`could not list agents: ${body.error ?? response.status}`);
  const agent = body.data?.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
  if (!agent) throw new UsageError(`no agent named "${name}"; known: ${body.data?.map((candidate) => candidate.name).join(', ')}`);
  return agent.id;
}

export const chatCommand: Command = {
  usage: 'chat [--agent NAME] [--session ID] "message"',
  summary: 'Send a message to a running server and stream the answer (Ctrl-C cancels it)',
  maxPositionals: Number.POSITIVE_INFINITY,
  options: {
    agent: { type: 'string', description: 'agent name (default: routed by the server)' } as never,
    session: { type: 'string', description: 'continue this session id' } as never,
    url: { type: 'string', description: 'server URL, http(s):// or ws(s):// (default FLEETCHAT_URL, else http://HOST:PORT)' } as never,
    token: { type: 'string', description: 'a JWT (default FLEETCHAT_TOKEN, else one is signed for --email with the local key and database)' } as never,
    email: { type: 'string', description: 'whose token to sign locally (default FLEETCHAT_ADMIN_EMAIL)' } as never,
  },
  async run({ values, positionals, settings, env }) {
    const message = positionals.join(' ').trim();
    if (!message) throw new UsageError('give the message, in quotes');
    // Only what is used is read: a URL and a token given leave the local configuration unread,
    // and nothing here reads the fleet file.
    const server = chooseChatServer(values.url as string | undefined, env.FLEETCHAT_URL, settings);
    let token = (values.token as string | undefined) ?? (env.FLEETCHAT_TOKEN || undefined);
    // The email of a token signed here, for the message when the server refuses it.
    let signedFor: string | undefined;
    if (token === undefined) {
      signedFor = (values.email as string | undefined) ?? settings().adminEmail;
      token = await signLocalToken(settings(), signedFor, server);
    }
    const agentId = values.agent ? await agentIdByName(server, token, values.agent as string, signedFor) : undefined;

    let socket: WebSocket;
    try {
      socket = new WebSocket(`${server.wsUrl}/api/chat/ws?token=${encodeURIComponent(token)}`);
    } catch (error) {
      // Its message would quote the URL, token included.
      throw new UsageError(unreachable(server, error, token));
    }
    let opened = false;
    return new Promise<number>((resolve) => {
      let cancelled = false;
      let finished = false;
      const finish = (code: number) => {
        // The first outcome wins: closing the socket below fires 'close' (and, while still
        // connecting, 'error') again, which must not print or decide anything more.
        if (finished) return;
        finished = true;
        process.off('SIGINT', onInterrupt);
        if (socket.readyState === WebSocket.OPEN) socket.close();
        else socket.terminate();
        resolve(code);
      };
      const onInterrupt = () => {
        // Not connected yet, or a second Ctrl-C: leave now; the server cancels on disconnect.
        if (cancelled || socket.readyState !== WebSocket.OPEN) return finish(130);
        cancelled = true;
        process.stderr.write('\ncancelling… (Ctrl-C again to quit at once)\n');
        socket.send(JSON.stringify({ type: 'cancel', requestId: 'cli' }));
      };
      process.on('SIGINT', onInterrupt);
      socket.on('unexpected-response', (_request, response) => {
        const refusal =
          response.statusCode === 401 && signedFor !== undefined
            ? refusedLocalToken(server, signedFor)
            : `the server refused the connection (HTTP ${response.statusCode}); check --token or --url`;
        process.stderr.write(`fleetchat chat: ${refusal}\n`);
        finish(1);
      });
      socket.on('error', (error) => {
        if (finished) return;
        // Before it opened, the connection failed; after, the socket did (the token is in its URL: never quoted).
        const what = opened ? `the connection to ${server.shown} failed (${error.message.replaceAll(token, '***')})` : unreachable(server, error, token);
        process.stderr.write(`fleetchat chat: ${what}\n`);
        finish(1);
      });
      let answering = false;
      socket.on('open', () => {
        opened = true;
        socket.send(JSON.stringify({ message, requestId: 'cli', ...(agentId ? { agentId } : {}), ...(values.session ? { sessionId: values.session } : {}) }));
      });
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as Record<string, unknown>;
        if (frame.type === 'start') process.stderr.write(`${String(frame.agentName)} (${String(frame.routedBy ?? '')}) · session ${String(frame.sessionId)}\n`);
        else if (frame.type === 'chunk') {
          process.stdout.write(String(frame.delta));
          answering = true;
        } else if (frame.type === 'done') {
          process.stdout.write('\n');
          process.stderr.write(`[${String(frame.model)} · ${String(frame.inputTokens)} in / ${String(frame.outputTokens)} out · ${String(frame.durationMs)} ms]\n`);
          finish(0);
        } else if (frame.type === 'error') {
          // Ends the part of the answer printed so far; a refusal before any printed nothing.
          if (answering) process.stdout.write('\n');
          process.stderr.write(`fleetchat chat: ${String(frame.error)} (${String(frame.code)})\n`);
          finish(frame.code === 'CANCELLED' ? 130 : 1);
        }
      });
      socket.on('close', (code, reason) => {
        if (finished) return;
        if (answering) process.stdout.write('\n');
        // Any close before `done` or `error` cut the answer short: never report success.
        // 4401 says why: token expired, user removed, password changed.
        if (code === 4401) process.stderr.write(`fleetchat chat: the server ended the connection (${reason.toString() || 'the token is no longer valid'}): get a new token\n`);
        else process.stderr.write(`fleetchat chat: the server closed the connection before the answer ended (code ${code})\n`);
        finish(1);
      });
    });
  },
};
