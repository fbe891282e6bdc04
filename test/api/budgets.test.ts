import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { createAgent, expectError, send } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const secondsToMidnightUtc = () => {
  const now = new Date();
  return Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000);
};

describe('token budgets', () => {
  it('an agent over its daily budget answers 429 TOKEN_BUDGET_EXCEEDED with Retry-After, without calling the model', async () => {
    const agentId = await createAgent(t, { name: 'Thrifty', config: { model: { default: 'upstream/gpt-test' }, limits: { dailyTokenBudget: 100 } } });
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['spent'], usage: { prompt_tokens: 70, completion_tokens: 20 } });
    const first = await send(t, { message: 'spend some', agentId });
    expect(first.status).toBe(200);
    // 90 of 100 used: still under, the next call goes through (checked before the call).
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['more'], usage: { prompt_tokens: 15, completion_tokens: 5 } });
    const second = await send(t, { message: 'spend more', sessionId: first.body.sessionId });
    expect(second.status).toBe(200);

    const calls = t.upstream.requests.length;
    const refused = await send(t, { message: 'one more?', agentId });
    expectError(refused, 429, 'TOKEN_BUDGET_EXCEEDED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(secondsToMidnightUtc() + 1);
    expect(t.upstream.requests.length).toBe(calls);

    // Continuing the session is refused too, and nothing is stored for the refused message.
    expectError(await send(t, { message: 'in the session', sessionId: first.body.sessionId }), 429, 'TOKEN_BUDGET_EXCEEDED');
    const history = await t.request('GET', `/api/chat/history?agentId=${agentId}&limit=200`, { token: t.adminToken });
    expect(history.body.pagination.total).toBe(4);

    const view = await t.request('GET', `/api/agents/${agentId}`, { token: t.adminToken });
    expect(view.body).toMatchObject({ tokensTodayInput: 85, tokensTodayOutput: 25 });
  });

  it('raising the budget lets the agent answer again at once', async () => {
    const agentId = await createAgent(t, { name: 'Raised', config: { model: { default: 'upstream/gpt-test' }, limits: { dailyTokenBudget: 10 } } });
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['x'], usage: { prompt_tokens: 10, completion_tokens: 1 } });
    expect((await send(t, { message: 'spend', agentId })).status).toBe(200);
    expectError(await send(t, { message: 'again', agentId }), 429, 'TOKEN_BUDGET_EXCEEDED');
    const patched = await t.request('PATCH', `/api/agents/${agentId}`, { token: t.adminToken, body: { config: { limits: { dailyTokenBudget: 1000 } } } });
    expect(patched.status).toBe(200);
    expect(patched.body.config.limits.dailyTokenBudget).toBe(1000);
    expect((await send(t, { message: 'again', agentId })).status).toBe(200);
    const removed = await t.request('PATCH', `/api/agents/${agentId}`, { token: t.adminToken, body: { config: { limits: { dailyTokenBudget: null } } } });
    expect(removed.body.config.limits.dailyTokenBudget).toBeNull();
  });

  it('the monthly budget is enforced as well', async () => {
    const agentId = await createAgent(t, { name: 'Monthly', config: { model: { default: 'upstream/gpt-test' }, limits: { monthlyTokenBudget: 50 } } });
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['x'], usage: { prompt_tokens: 40, completion_tokens: 10 } });
    expect((await send(t, { message: 'spend', agentId })).status).toBe(200);
    const refused = await send(t, { message: 'over', agentId });
    expectError(refused, 429, 'TOKEN_BUDGET_EXCEEDED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a routed message to an agent over budget is refused too', async () => {
    const agentId = await createAgent(t, {
      name: 'Astronomer',
      description: 'Telescopes, galaxies, nebulae and planets',
      config: { model: { default: 'upstream/gpt-test' }, routing: { keywords: ['telescope', 'nebula', 'galaxy'] }, limits: { dailyTokenBudget: 5 } },
    });
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['x'], usage: { prompt_tokens: 5, completion_tokens: 1 } });
    expect((await send(t, { message: 'telescope nebula galaxy', agentId })).status).toBe(200);
    const routed = await send(t, { message: 'Which telescope shows the Orion nebula and the Andromeda galaxy best?' });
    expectError(routed, 429, 'TOKEN_BUDGET_EXCEEDED');
  });

  it('an idempotent replay counts against no budget', async () => {
    const agentId = await createAgent(t, { name: 'Replayer', config: { model: { default: 'upstream/gpt-test' }, limits: { dailyTokenBudget: 10 } } });
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['x'], usage: { prompt_tokens: 10, completion_tokens: 1 } });
    const headers = { 'idempotency-key': `budget-${Date.now()}` };
    const first = await send(t, { message: 'pay once', agentId }, { headers });
    expect(first.status).toBe(200);
    expectError(await send(t, { message: 'new one', agentId }), 429, 'TOKEN_BUDGET_EXCEEDED');
    const replay = await send(t, { message: 'pay once', agentId }, { headers });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
  });

  it('an agent without limits has no budget', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['x'], usage: { prompt_tokens: 5_000_000, completion_tokens: 5_000_000 } });
    expect((await send(t, { message: 'big', agentId: t.agents.Aria })).status).toBe(200);
    expect((await send(t, { message: 'still fine', agentId: t.agents.Aria })).status).toBe(200);
  });
});
