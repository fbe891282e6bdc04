import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send, sessionHistory, UUID } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('POST /api/chat/message', () => {
  it('answers with every field of the contract', async () => {
    const before = Date.now();
    const response = await send(t, { message: 'hello world', agentId: t.agents.Aria });
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({ response: 'Echo: hello world', agentId: t.agents.Aria, agentName: 'Aria', model: 'upstream/gpt-test', routedBy: 'explicit' });
    for (const field of ['sessionId', 'messageId', 'userMessageId']) expect(body[field]).toMatch(UUID);
    expect(new Set([body.sessionId, body.messageId, body.userMessageId]).size).toBe(3);
    expect(Number.isInteger(body.inputTokens)).toBe(true);
    expect(Number.isInteger(body.outputTokens)).toBe(true);
    expect(Number.isInteger(body.durationMs)).toBe(true);
    expect(body.durationMs).toBeGreaterThanOrEqual(0);
    expect(body.durationMs).toBeLessThanOrEqual(Date.now() - before + 5);
    expect(body).not.toHaveProperty('routing');
  });

  it('calls the provider with the model id, streaming and usage requested', async () => {
    await send(t, { message: 'check the upstream call', agentId: t.agents.Aria });
    const call = t.upstream.requests.at(-1)!;
    expect(call.path).toBe('/v1/chat/completions');
    expect(call.headers.authorization).toBe('Bearer test-key');
    expect(call.body).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true } });
  });

  it('opens a new session without sessionId, continues one with it', async () => {
    const first = await send(t, { message: 'first turn', agentId: t.agents.Ledger });
    const second = await send(t, { message: 'second turn', sessionId: first.body.sessionId });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ sessionId: first.body.sessionId, agentId: t.agents.Ledger, routedBy: 'session' });
    const third = await send(t, { message: 'third turn', sessionId: first.body.sessionId, agentId: t.agents.Ledger });
    expect(third.body.routedBy).toBe('explicit');
    const fresh = await send(t, { message: 'first turn', agentId: t.agents.Ledger });
    expect(fresh.body.sessionId).not.toBe(first.body.sessionId);
    const items = await sessionHistory(t, first.body.sessionId);
    expect(items.map((item) => item.content)).toEqual(['first turn', 'Echo: first turn', 'second turn', 'Echo: second turn', 'third turn', 'Echo: third turn']);
    expect(items.find((item) => item.id === second.body.messageId)).toMatchObject({ role: 'assistant', inputTokens: second.body.inputTokens, outputTokens: second.body.outputTokens });
    expect(items.find((item) => item.id === second.body.userMessageId)).toMatchObject({ role: 'user', content: 'second turn' });
  });

  it('a sessionId with another agent is 409 SESSION_AGENT_MISMATCH, and nothing is stored', async () => {
    const first = await send(t, { message: 'for Aria', agentId: t.agents.Aria });
    const calls = t.upstream.requests.length;
    expectError(await send(t, { message: 'for Nova?', sessionId: first.body.sessionId, agentId: t.agents.Nova }), 409, 'SESSION_AGENT_MISMATCH');
    expect(t.upstream.requests.length).toBe(calls);
    expect(await sessionHistory(t, first.body.sessionId)).toHaveLength(2);
  });

  it('an unknown agent or session is 404', async () => {
    expectError(await send(t, { message: 'hi', agentId: '0190a000-0000-7000-8000-000000000000' }), 404, 'AGENT_NOT_FOUND');
    expectError(await send(t, { message: 'hi', sessionId: '0190a000-0000-7000-8000-000000000000' }), 404, 'SESSION_NOT_FOUND');
  });

  it('keeps the message text exactly (unicode, spaces, newlines)', async () => {
    const message = '  Grüße 👋🏽\nline two\t"quoted" <b>html</b>  ';
    const response = await send(t, { message, agentId: t.agents.Aria });
    expect(response.status).toBe(200);
    const items = await sessionHistory(t, response.body.sessionId);
    expect(items[0].content).toBe(message);
    const call = t.upstream.requests.at(-1)!;
    expect(call.body.messages.at(-1)).toEqual({ role: 'user', content: message });
  });

  it('streams as Server-Sent Events with Accept: text/event-stream', async () => {
    const response = await fetch(`${t.baseUrl}/api/chat/message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'stream me please', agentId: t.agents.Aria }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await response.text();
    expect(text).toContain('stream');
    expect(text).toContain('Echo: stream me please');
  });
});

describe('routing', () => {
  it('without agentId, a competitor question goes to Nova by relevance', async () => {
    const member = await t.member();
    const response = await send(t, { message: 'What did our competitors announce about pricing this week?' }, { token: member.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ agentName: 'Nova', agentId: t.agents.Nova, routedBy: 'relevance' });
    expect(response.body).not.toHaveProperty('routing');
  });

  it('a finance question goes to Ledger', async () => {
    const member = await t.member();
    const response = await send(t, { message: 'Please pay this invoice and update the expense report' }, { token: member.token });
    expect(response.body).toMatchObject({ agentName: 'Ledger', routedBy: 'relevance' });
  });

  it('gibberish from a user without recent sessions goes to the default agent', async () => {
    const member = await t.member();
    const response = await send(t, { message: 'qwzx vbnm plork' }, { token: member.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ agentName: 'Aria', agentId: t.agents.Aria, routedBy: 'default' });
  });

  it('a short unclear follow-up goes to the agent of the caller\'s recent session', async () => {
    const member = await t.member();
    const first = await send(t, { message: 'Summarize competitor pricing moves in our market' }, { token: member.token });
    expect(first.body.agentName).toBe('Nova');
    const followUp = await send(t, { message: 'and then?' }, { token: member.token });
    expect(followUp.body).toMatchObject({ agentName: 'Nova', routedBy: 'recent' });
    expect(followUp.body.sessionId).not.toBe(first.body.sessionId);
  });

  it('explainRouting: true adds the routing explanation', async () => {
    const response = await send(t, { message: 'Tell me about competitor market share', explainRouting: true });
    expect(response.status).toBe(200);
    expect(response.body.routing).toBeDefined();
    expect(typeof response.body.routing.confidence).toBe('number');
    expect(Array.isArray(response.body.routing.candidates)).toBe(true);
    expect(response.body.routing.candidates.length).toBeGreaterThan(0);
    const top = response.body.routing.candidates[0];
    expect(top).toMatchObject({ agentId: t.agents.Nova, agentName: 'Nova' });
    expect(typeof top.score).toBe('number');
  });
});
