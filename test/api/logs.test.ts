import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/harness.ts';
import { sendThenHangUp, sleep } from './support.ts';

let t: TestServer;
const lines: string[] = [];
const stream = { write: (chunk: string) => lines.push(...chunk.split('\n').filter((line) => line.length > 0)) };

const SECRET_MESSAGE = 'my-very-private-message-7c1e';
const SECRET_COMMENT = 'private-comment-91ab';
const MEMBER_PASSWORD = 'member-password-123';

beforeAll(async () => {
  t = await startTestServer({ logStream: stream });
});
afterAll(async () => {
  await t?.close();
});

/** The access lines (msg "request") written since `from`. */
const accessLines = (from: number) => lines.slice(from).map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');

/** Makes one request and returns the log lines it caused. */
async function logged(run: () => Promise<unknown>) {
  const from = lines.length;
  await run();
  // The access line is written when the response ends, a moment after the client has it.
  for (let waited = 0; accessLines(from).length === 0 && waited < 1000; waited += 10) await sleep(10);
  await sleep(20);
  return { access: accessLines(from), all: lines.slice(from) };
}

describe('logs', () => {
  it('every line is JSON; one access line per request, with method, url, status and duration', async () => {
    const { access } = await logged(() => t.request('GET', '/api/agents', { token: t.adminToken }));
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'GET', url: '/api/agents', status: 200, level: 30 });
    expect(typeof access[0].ms).toBe('number');
    expect(access[0].user).toBeDefined();
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('one line per request, for errors and unknown routes too', async () => {
    for (const run of [
      () => t.request('GET', '/api/nope'),
      () => t.request('GET', '/api/chat/history?limit=0', { token: t.adminToken }),
      () => t.request('GET', '/api/auth/me'),
      () => t.request('GET', '/api/health'),
    ]) {
      const { access } = await logged(run);
      expect(access).toHaveLength(1);
    }
  });

  it('a request whose client hangs up before the answer gets its line too, once, with status 499', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['one ', 'two ', 'three'], chunkDelayMs: 200 });
    const from = lines.length;
    const request = sendThenHangUp(t, t.adminToken, { message: 'I will hang up', agentId: t.agents.Aria });
    await sleep(150);
    request.hangUp();
    await request.settled;
    for (let waited = 0; accessLines(from).length === 0 && waited < 2000; waited += 10) await sleep(10);
    await sleep(800); // the cut answer is stored meanwhile; no second line may follow
    expect(accessLines(from)).toEqual([expect.objectContaining({ method: 'POST', url: '/api/chat/message', status: 499 })]);
  });

  it('never writes the Authorization header or the token', async () => {
    const { all } = await logged(() => t.request('GET', '/api/auth/me', { token: t.adminToken }));
    expect(all.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(t.adminToken);
    expect(lines.join('\n').toLowerCase()).not.toContain('bearer');
    expect(lines.join('\n').toLowerCase()).not.toContain('authorization');
  });

  it('redacts a token query parameter', async () => {
    const { access } = await logged(() => t.request('GET', `/api/chat/history?limit=5&token=${t.adminToken}`, { token: t.adminToken }));
    expect(access).toHaveLength(1);
    expect(access[0].url).not.toContain(t.adminToken);
    expect(access[0].url).toContain('token=');
    const unknown = await logged(() => t.request('GET', `/api/nowhere?TOKEN=${t.adminToken}&x=1`));
    expect(unknown.access[0].url).not.toContain(t.adminToken);
    expect(lines.join('\n')).not.toContain(t.adminToken);
  });

  it('never writes passwords', async () => {
    await logged(() => t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }));
    await logged(() => t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: 'a-wrong-password-xyz' } }));
    const member = await t.member();
    await logged(() => t.request('POST', '/api/users', { token: t.adminToken, body: { email: 'short@example.test', password: 'short-pw' } }));
    const text = lines.join('\n');
    for (const secret of [ADMIN_PASSWORD, 'a-wrong-password-xyz', MEMBER_PASSWORD, 'short-pw', member.token]) expect(text).not.toContain(secret);
  });

  it('a failed model call gets a warning with the model, the agent and why, even when a fallback answers, and on the WebSocket too', async () => {
    // Nova falls back from upstream/gpt-test to claude/claude-test.
    t.upstream.queueBehaviors({ kind: 'status', status: 503, body: { error: { message: 'the upstream is overloaded' } } });
    const rescued = await logged(() => t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'hello', agentId: t.agents.Nova } }));
    expect(rescued.access[0].status).toBe(200);
    const warnings = (from: string[]) => from.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'model call failed');
    expect(warnings(rescued.all)).toEqual([
      expect.objectContaining({ level: 40, model: 'upstream/gpt-test', agentId: t.agents.Nova, kind: 'http', reason: expect.stringContaining('the upstream is overloaded') }),
    ]);
    expect(warnings(rescued.all)[0].durationMs).toEqual(expect.any(Number));

    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    const from = lines.length;
    const socket = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/api/chat/ws?token=${t.adminToken}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ message: 'hello over the socket', agentId: t.agents.Aria, requestId: 'failing' }));
    const frame = await new Promise<{ type: string }>((resolve) => socket.on('message', (data) => {
      const parsed = JSON.parse(String(data));
      if (parsed.type === 'error') resolve(parsed);
    }));
    socket.close();
    expect(frame.type).toBe('error');
    for (let waited = 0; warnings(lines.slice(from)).length === 0 && waited < 1000; waited += 10) await sleep(10);
    expect(warnings(lines.slice(from))).toEqual([expect.objectContaining({ level: 40, model: 'upstream/gpt-test', agentId: t.agents.Aria, kind: 'http', reason: expect.stringContaining('500') })]);
  });

  it('never writes message bodies or answers, also when the model fails or validation refuses', async () => {
    await logged(() => t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: SECRET_MESSAGE, agentId: t.agents.Aria } }));
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    const failed = await logged(() => t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: `${SECRET_MESSAGE} again`, agentId: t.agents.Aria } }));
    expect(failed.access).toHaveLength(1);
    expect(failed.access[0].status).toBe(502);
    await logged(() => t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: SECRET_MESSAGE, unknownField: SECRET_MESSAGE } }));
    await logged(() => t.request('POST', '/api/chat/message', { token: t.adminToken, raw: `{"message": "${SECRET_MESSAGE}"` }));
    const answer = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'rate this', agentId: t.agents.Aria } });
    await logged(() => t.request('POST', '/api/chat/feedback', { token: t.adminToken, body: { messageId: answer.body.messageId, rating: 5, comment: SECRET_COMMENT } }));
    await logged(() => t.request('POST', '/api/chat/feedback', { token: t.adminToken, body: { messageId: answer.body.messageId, rating: 9, comment: SECRET_COMMENT } }));
    const text = lines.join('\n');
    expect(text).not.toContain(SECRET_MESSAGE);
    expect(text).not.toContain(SECRET_COMMENT);
    expect(text).not.toContain('Echo:');
  });
});
