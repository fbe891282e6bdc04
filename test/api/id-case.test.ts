/**
 * A UUID written in capitals names the same thing as in lower case, on every route and on both
 * stores: the uuid format accepts capitals, PostgreSQL's uuid type matched them while SQLite's
 * text did not (404), and ids compared with the server's own must be in one spelling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { connect } from '../ws/ws-client.ts';
import { send } from './support.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const upper = (id: string) => id.toUpperCase();

describe('ids in capitals', () => {
  it('read, continue and rate what the lower-case ids name', async () => {
    const agent = await t.request('GET', `/api/agents/${upper(t.agents.Nova)}`, { token: t.adminToken });
    expect(agent.status, JSON.stringify(agent.body)).toBe(200);
    expect(agent.body.id).toBe(t.agents.Nova);

    const first = (await send(t, { message: 'first turn', agentId: upper(t.agents.Nova) })).body;
    expect(first.agentId).toBe(t.agents.Nova);
    const second = await send(t, { message: 'second turn', sessionId: upper(first.sessionId) });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.sessionId).toBe(first.sessionId);
    expect(second.body.routedBy).toBe('session');

    const history = await t.request('GET', `/api/chat/history?sessionId=${upper(first.sessionId)}&before=${upper(second.body.messageId)}`, { token: t.adminToken });
    expect(history.status).toBe(200);
    expect(history.body.data.map((item: { content: string }) => item.content)).toContain('second turn');

    const rated = await t.request('POST', '/api/chat/feedback', { token: t.adminToken, body: { messageId: upper(second.body.messageId), rating: 4 } });
    expect(rated.status, JSON.stringify(rated.body)).toBe(200);
    expect(rated.body.feedback.messageId).toBe(second.body.messageId);
  });

  it('over the WebSocket too', async () => {
    const first = (await send(t, { message: 'a socket follows', agentId: t.agents.Aria })).body;
    const socket = await connect(t, t.adminToken);
    socket.send({ type: 'message', requestId: 'r1', message: 'and continues', sessionId: upper(first.sessionId) });
    const frames = await socket.answer('r1');
    expect(frames.at(-1)).toMatchObject({ type: 'done', sessionId: first.sessionId, routedBy: 'session' });
    socket.socket.close();
  });
});
