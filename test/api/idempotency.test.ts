import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send, sessionHistory, sleep } from './support.ts';

let t: TestServer;
let keyCounter = 0;
const newKey = () => `key-${Date.now()}-${++keyCounter}`;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const withKey = (key: string, body: Record<string, unknown>, token?: string) => send(t, body, { token, headers: { 'idempotency-key': key } });

describe('Idempotency-Key', () => {
  it('a retry with the same key and body returns the first answer without calling the model again', async () => {
    const key = newKey();
    const body = { message: 'only once please', agentId: t.agents.Aria };
    const calls = t.upstream.requests.length;
    const first = await withKey(key, body);
    expect(first.status).toBe(200);
    const second = await withKey(key, body);
    const third = await withKey(key, body);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(third.body).toEqual(first.body);
    expect(t.upstream.requests.length).toBe(calls + 1);
    const items = await sessionHistory(t, first.body.sessionId);
    expect(items).toHaveLength(2);
    const all = await t.request('GET', `/api/chat/history?agentId=${t.agents.Aria}&limit=200`, { token: t.adminToken });
    expect(all.body.data.filter((item: any) => item.content === 'only once please')).toHaveLength(1);
  });

  it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const key = newKey();
    expect((await withKey(key, { message: 'original', agentId: t.agents.Aria })).status).toBe(200);
    const calls = t.upstream.requests.length;
    expectError(await withKey(key, { message: 'changed', agentId: t.agents.Aria }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectError(await withKey(key, { message: 'original', agentId: t.agents.Nova }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectError(await withKey(key, { message: 'original' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(t.upstream.requests.length).toBe(calls);
  });

  it('the same key while the first is still running is 409 IDEMPOTENCY_IN_PROGRESS', async () => {
    const key = newKey();
    const body = { message: 'slow one', agentId: t.agents.Aria };
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['slow ', 'answer'], chunkDelayMs: 100 });
    const calls = t.upstream.requests.length;
    const first = withKey(key, body);
    while (t.upstream.requests.length === calls) await sleep(5);
    const concurrent = await withKey(key, body);
    expectError(concurrent, 409, 'IDEMPOTENCY_IN_PROGRESS');
    expect(concurrent.headers.get('retry-after')).toMatch(/^\d+$/);
    const done = await first;
    expect(done.status).toBe(200);
    expect(done.body.response).toBe('slow answer');
    // Once finished, the retry gets the stored answer.
    expect((await withKey(key, body)).body).toEqual(done.body);
    expect(t.upstream.requests.length).toBe(calls + 1);
  });

  it('a failed request frees its key: the retry calls the model and succeeds', async () => {
    const key = newKey();
    const body = { message: 'flaky', agentId: t.agents.Aria };
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    const failed = await withKey(key, body);
    expectError(failed, 502, 'PROVIDER_ERROR');
    const retry = await withKey(key, body);
    expect(retry.status).toBe(200);
    expect(retry.body.response).toBe('Echo: flaky');
  });

  it('keys are per user', async () => {
    const member = await t.member();
    const key = newKey();
    const body = { message: 'shared key', agentId: t.agents.Aria };
    const mine = await withKey(key, body);
    const theirs = await withKey(key, body, member.token);
    expect(theirs.status).toBe(200);
    expect(theirs.body.messageId).not.toBe(mine.body.messageId);
    expect(theirs.body.sessionId).not.toBe(mine.body.sessionId);
  });

  it('works when continuing a session, and replays do not add turns to it', async () => {
    const opened = await send(t, { message: 'open', agentId: t.agents.Aria });
    const key = newKey();
    const body = { message: 'continue once', sessionId: opened.body.sessionId };
    const first = await withKey(key, body);
    const again = await withKey(key, body);
    expect(again.body).toEqual(first.body);
    expect((await sessionHistory(t, opened.body.sessionId)).map((item) => item.content)).toEqual(['open', 'Echo: open', 'continue once', 'Echo: continue once']);
  });
});
