import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send, sleep } from './support.ts';

let t: TestServer;
let member: { token: string; id: string };
let answer: any;

beforeAll(async () => {
  t = await startTestServer();
  member = await t.member();
  answer = (await send(t, { message: 'rate me', agentId: t.agents.Ledger }, { token: member.token })).body;
});
afterAll(async () => {
  await t?.close();
});

const rate = (body: Record<string, unknown>, token = member.token) => t.request('POST', '/api/chat/feedback', { token, body });

describe('POST /api/chat/feedback', () => {
  it('rates an answer', async () => {
    const response = await rate({ messageId: answer.messageId, rating: 5, comment: 'great' });
    expect(response.status).toBe(200);
    expect(response.body.ok).toBe(true);
    expect(response.body.feedback).toMatchObject({ messageId: answer.messageId, rating: 5, comment: 'great' });
    expect(new Date(response.body.feedback.createdAt).toISOString()).toBe(response.body.feedback.createdAt);
    expect(response.body.feedback.updatedAt).toBe(response.body.feedback.createdAt);
  });

  it('rating again replaces the earlier rating: one per user per message', async () => {
    const first = await rate({ messageId: answer.messageId, rating: 2, comment: 'meh' });
    await sleep(15);
    const second = await rate({ messageId: answer.messageId, rating: 3 });
    expect(second.status).toBe(200);
    expect(second.body.feedback).toMatchObject({ rating: 3, comment: null });
    expect(second.body.feedback.createdAt).toBe(first.body.feedback.createdAt);
    expect(Date.parse(second.body.feedback.updatedAt)).toBeGreaterThan(Date.parse(first.body.feedback.updatedAt));
    const history = await t.request('GET', `/api/chat/history?sessionId=${answer.sessionId}`, { token: member.token });
    expect(history.body.data[0].feedback).toEqual({ rating: 3, comment: null });
    const stats = await t.request('GET', `/api/agents/${t.agents.Ledger}/stats`, { token: t.adminToken });
    expect(stats.status).toBe(200);
    expect(stats.body.feedback).toMatchObject({ count: 1, average: 3 });
    expect(stats.body.feedback.distribution).toMatchObject({ '1': 0, '2': 0, '3': 1, '4': 0, '5': 0 });
  });

  it('a comment of exactly 2000 characters is kept whole; an empty comment is allowed', async () => {
    const comment = 'é'.repeat(2000);
    const response = await rate({ messageId: answer.messageId, rating: 4, comment });
    expect(response.body.feedback.comment).toBe(comment);
    expect((await rate({ messageId: answer.messageId, rating: 4, comment: '' })).status).toBe(200);
  });

  it('a user message cannot be rated: 400', async () => {
    expectError(await rate({ messageId: answer.userMessageId, rating: 4 }), 400, 'VALIDATION_ERROR');
  });

  it('an unknown message is 404', async () => {
    expectError(await rate({ messageId: newId(), rating: 4 }), 404, 'MESSAGE_NOT_FOUND');
  });

  it('another member, and even an admin, cannot rate it: 404', async () => {
    const other = await t.member();
    expectError(await rate({ messageId: answer.messageId, rating: 1 }, other.token), 404, 'MESSAGE_NOT_FOUND');
    expectError(await rate({ messageId: answer.messageId, rating: 1 }, t.adminToken), 404, 'MESSAGE_NOT_FOUND');
    const history = await t.request('GET', `/api/chat/history?sessionId=${answer.sessionId}`, { token: member.token });
    expect(history.body.data[0].feedback.rating).toBe(4);
  });

  it('an incomplete answer can be rated', async () => {
    t.upstream.queueBehaviors({ kind: 'cut', chunks: ['half ', 'an ', 'answer'], afterChunks: 1 });
    const failed = await send(t, { message: 'cut', agentId: t.agents.Ledger }, { token: member.token });
    expect(failed.status).toBe(502);
    expect(failed.body.messageId).toBeDefined();
    expect((await rate({ messageId: failed.body.messageId, rating: 1, comment: 'cut off' })).status).toBe(200);
  });
});
