import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send, sessionHistory } from './support.ts';

let t: TestServer;
const TIMEOUT_MS = 400;

beforeAll(async () => {
  t = await startTestServer({ env: { PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS) } });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(() => {
  t.upstream.setBehavior((request) => ({ kind: 'stream', chunks: ['Echo: ', String(request.body?.messages?.at(-1)?.content ?? '')] }));
});

/** The failed turn: error body with sessionId, the user message kept, no assistant message. */
async function expectUserMessageKept(response: { body: any }, message: string) {
  expect(response.body.sessionId).toBeDefined();
  const items = await sessionHistory(t, response.body.sessionId);
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ role: 'user', content: message });
}

describe('provider errors', () => {
  it('500 without fallbacks: 502 PROVIDER_ERROR, user message kept, no answer stored', async () => {
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    const response = await send(t, { message: 'will fail', agentId: t.agents.Aria });
    expectError(response, 502, 'PROVIDER_ERROR');
    await expectUserMessageKept(response, 'will fail');
    expect(JSON.stringify(response.body)).not.toContain('test-key');
  });

  it('after a failure the session continues, and the model sees the unanswered message too', async () => {
    t.upstream.queueBehaviors({ kind: 'status', status: 503 });
    const failed = await send(t, { message: 'lost question', agentId: t.agents.Aria });
    expect(failed.status).toBe(502);
    const retry = await send(t, { message: 'asking again', sessionId: failed.body.sessionId });
    expect(retry.status).toBe(200);
    expect(t.upstream.requests.at(-1)!.body.messages.map((turn: any) => turn.content)).toEqual(['You are Aria, a helpful general assistant.', 'lost question', 'asking again']);
  });

  it('500 with a fallback: Nova answers through the Anthropic fake, and says which model answered', async () => {
    const anthropicCalls = t.anthropic.requests.length;
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    const response = await send(t, { message: 'fallback please', agentId: t.agents.Nova });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model: 'claude/claude-test', agentName: 'Nova', response: 'Echo: fallback please' });
    expect(t.anthropic.requests.length).toBe(anthropicCalls + 1);
    const call = t.anthropic.requests.at(-1)!;
    expect(call.body.model).toBe('claude-test');
    expect(call.body.system).toBe('You are Nova, a research analyst.');
    expect(call.body.messages).toEqual([{ role: 'user', content: 'fallback please' }]);
    const items = await sessionHistory(t, response.body.sessionId);
    expect(items[1]).toMatchObject({ role: 'assistant', model: 'claude/claude-test', status: 'complete' });
  });

  it('429 from the provider: the fallback answers', async () => {
    t.upstream.queueBehaviors({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const response = await send(t, { message: 'rate limited upstream', agentId: t.agents.Nova });
    expect(response.status).toBe(200);
    expect(response.body.model).toBe('claude/claude-test');
  });

  it('429 without fallbacks: 502, never passed on as our own 429', async () => {
    t.upstream.queueBehaviors({ kind: 'status', status: 429 });
    const response = await send(t, { message: 'rate limited upstream', agentId: t.agents.Aria });
    expectError(response, 502, 'PROVIDER_ERROR');
  });

  it('every model failing: 502 PROVIDER_ERROR with sessionId', async () => {
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    t.anthropic.queueBehaviors({ kind: 'status', status: 529 });
    const response = await send(t, { message: 'all down', agentId: t.agents.Nova });
    expectError(response, 502, 'PROVIDER_ERROR');
    await expectUserMessageKept(response, 'all down');
  });

  it('a stream cut after some text: 502, the partial answer stored as incomplete, no fallback', async () => {
    const anthropicCalls = t.anthropic.requests.length;
    t.upstream.queueBehaviors({ kind: 'cut', chunks: ['Partial ', 'answer ', 'never finished'], afterChunks: 2 });
    const response = await send(t, { message: 'cut me', agentId: t.agents.Nova });
    expectError(response, 502, 'PROVIDER_ERROR');
    expect(t.anthropic.requests.length).toBe(anthropicCalls);
    const items = await sessionHistory(t, response.body.sessionId);
    expect(items).toHaveLength(2);
    expect(items[1]).toMatchObject({ role: 'assistant', status: 'incomplete', content: 'Partial answer ' });
    expect(response.body.messageId).toBe(items[1].id);
  });
});

describe('timeouts', () => {
  it('a hanging provider without fallbacks: 504 PROVIDER_TIMEOUT after about PROVIDER_TIMEOUT_MS', async () => {
    t.upstream.queueBehaviors({ kind: 'hang' });
    const closed = t.upstream.closedConnections;
    const started = Date.now();
    const response = await send(t, { message: 'are you there?', agentId: t.agents.Aria });
    const elapsed = Date.now() - started;
    expectError(response, 504, 'PROVIDER_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    await expectUserMessageKept(response, 'are you there?');
    // The upstream connection is closed, not left hanging.
    await t.upstream.waitForClose(closed + 1);
  });

  it('a hanging provider with a fallback: the fallback answers', async () => {
    t.upstream.queueBehaviors({ kind: 'hang' });
    const response = await send(t, { message: 'slow default', agentId: t.agents.Nova });
    expect(response.status).toBe(200);
    expect(response.body.model).toBe('claude/claude-test');
    expect(response.body.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
  });

  it('a provider that starts but stalls mid-stream: 504, the text so far kept as incomplete', async () => {
    // A frame every 150 ms: 'one ' arrives at about 150 ms, 'two ' at 300, the end long after the timeout.
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['one ', 'two ', 'three ', 'four'], chunkDelayMs: 150 });
    const response = await send(t, { message: 'slow stream', agentId: t.agents.Aria });
    expectError(response, 504, 'PROVIDER_TIMEOUT');
    const items = await sessionHistory(t, response.body.sessionId);
    expect(items[1]).toMatchObject({ role: 'assistant', status: 'incomplete' });
    expect(items[1].content).toMatch(/^one /);
    expect(items[1].content).not.toContain('four');
    expect(response.body.messageId).toBe(items[1].id);
  });

  it('both hanging: 504', async () => {
    t.upstream.queueBehaviors({ kind: 'hang' });
    t.anthropic.queueBehaviors({ kind: 'hang' });
    const response = await send(t, { message: 'nobody home', agentId: t.agents.Nova });
    expectError(response, 504, 'PROVIDER_TIMEOUT');
    expect(response.body.sessionId).toBeDefined();
  });
});

describe('usage figures', () => {
  it('passes the provider\'s own OpenAI usage through exactly', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['a', 'b'], usage: { prompt_tokens: 3840, completion_tokens: 612 } });
    const response = await send(t, { message: 'count me', agentId: t.agents.Aria });
    expect(response.body).toMatchObject({ inputTokens: 3840, outputTokens: 612, response: 'ab' });
    const items = await sessionHistory(t, response.body.sessionId);
    expect(items[1]).toMatchObject({ inputTokens: 3840, outputTokens: 612 });
    expect(items[0]).not.toHaveProperty('inputTokens');
    expect(items[0]).not.toHaveProperty('outputTokens');
  });

  it('passes the Anthropic usage through exactly after a fallback', async () => {
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    t.anthropic.queueBehaviors({ kind: 'stream', chunks: ['x'], usage: { input_tokens: 777, output_tokens: 88 } });
    const response = await send(t, { message: 'anthropic usage', agentId: t.agents.Nova });
    expect(response.body).toMatchObject({ inputTokens: 777, outputTokens: 88, model: 'claude/claude-test' });
  });

  it('estimates with a tokenizer only when the provider reports none', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['some ', 'answer ', 'text'], usage: null });
    const response = await send(t, { message: 'no usage reported by the provider here', agentId: t.agents.Aria });
    expect(response.status).toBe(200);
    expect(response.body.inputTokens).toBeGreaterThan(5);
    expect(response.body.outputTokens).toBeGreaterThan(0);
  });

  it('usage that is not token counts (1.5, negative, beyond 32 bits) is estimated; history and the agent still read', async () => {
    for (const usage of [{ prompt_tokens: 1.5, completion_tokens: 5 }, { prompt_tokens: -100_000, completion_tokens: -5 }, { prompt_tokens: 3e9, completion_tokens: 1 }]) {
      t.upstream.queueBehaviors({ kind: 'stream', chunks: ['odd ', 'usage'], usage });
      const response = await send(t, { message: 'count me oddly', agentId: t.agents.Aria });
      expect(response.status, JSON.stringify(usage)).toBe(200);
      expect(Number.isInteger(response.body.inputTokens) && response.body.inputTokens > 0).toBe(true);
      expect(Number.isInteger(response.body.outputTokens) && response.body.outputTokens > 0).toBe(true);
      const items = await sessionHistory(t, response.body.sessionId);
      expect(items[1]).toMatchObject({ inputTokens: response.body.inputTokens, outputTokens: response.body.outputTokens, status: 'complete' });
    }
    const agent = await t.request('GET', `/api/agents/${t.agents.Aria}`, { token: t.adminToken });
    expect(agent.status).toBe(200);
    expect(agent.body.tokensTodayInput).toBeGreaterThan(0);
    expect(agent.body.tokensTodayOutput).toBeGreaterThan(0);
  });

  it('an answer with a NUL or a lone surrogate is stored and returned with U+FFFD in their place', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['a\u0000b ', '\ud800 c'], usage: { prompt_tokens: 4, completion_tokens: 3 } });
    const response = await send(t, { message: 'odd characters please', agentId: t.agents.Aria });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.response).toBe('a\uFFFDb \uFFFD c');
    const items = await sessionHistory(t, response.body.sessionId);
    expect(items[1]).toMatchObject({ role: 'assistant', content: 'a\uFFFDb \uFFFD c', status: 'complete', inputTokens: 4 });
  });

  it('an empty answer is stored and reported as such', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: [], usage: { prompt_tokens: 10, completion_tokens: 0 } });
    const response = await send(t, { message: 'say nothing', agentId: t.agents.Aria });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ response: '', inputTokens: 10, outputTokens: 0 });
  });
});
