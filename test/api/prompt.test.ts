import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/providers/tokens.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { createAgent, send, sessionHistory } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const contents = (request: { body: any }) => request.body.messages.map((turn: any) => `${turn.role}:${turn.content}`);

describe('the history sent to the model', () => {
  it('SOUL first as system, then every turn of the session in order', async () => {
    const first = await send(t, { message: 'one', agentId: t.agents.Ledger });
    await send(t, { message: 'two', sessionId: first.body.sessionId });
    await send(t, { message: 'three', sessionId: first.body.sessionId });
    expect(contents(t.upstream.requests.at(-1)!)).toEqual([
      'system:You are Ledger, a finance assistant.',
      'user:one',
      'assistant:Echo: one',
      'user:two',
      'assistant:Echo: two',
      'user:three',
    ]);
  });

  it('sessions do not leak into each other', async () => {
    const a = await send(t, { message: 'session A secret', agentId: t.agents.Ledger });
    const b = await send(t, { message: 'session B', agentId: t.agents.Ledger });
    await send(t, { message: 'B again', sessionId: b.body.sessionId });
    const prompt = contents(t.upstream.requests.at(-1)!);
    expect(prompt.join('\n')).not.toContain('session A secret');
    expect(prompt).toEqual(['system:You are Ledger, a finance assistant.', 'user:session B', 'assistant:Echo: session B', 'user:B again']);
    expect(a.body.sessionId).not.toBe(b.body.sessionId);
  });

  it('uses the agent\'s current SOUL after an update', async () => {
    const agentId = await createAgent(t, { name: 'Shifty', soul: 'Old soul.', config: { model: { default: 'upstream/gpt-test' } } });
    const first = await send(t, { message: 'hi', agentId });
    expect(t.upstream.requests.at(-1)!.body.messages[0]).toEqual({ role: 'system', content: 'Old soul.' });
    expect((await t.request('PATCH', `/api/agents/${agentId}`, { token: t.adminToken, body: { soul: 'New soul.' } })).status).toBe(200);
    await send(t, { message: 'again', sessionId: first.body.sessionId });
    expect(t.upstream.requests.at(-1)!.body.messages[0]).toEqual({ role: 'system', content: 'New soul.' });
  });

  it('trims from the oldest end to fit session.maxContextTokens, never the SOUL', async () => {
    const soul = 'You are Tiny, an assistant with a very small context window.';
    const agentId = await createAgent(t, { name: 'Tiny', soul, config: { model: { default: 'upstream/gpt-test' }, session: { maxContextTokens: 256 } } });
    // Short answers, long questions: about 60 tokens each, so only a few turns fit in 256.
    t.upstream.setBehavior({ kind: 'stream', chunks: ['ok'] });
    try {
      const question = (index: number) => `question ${index}: ${'lorem ipsum '.repeat(25).trim()}`;
      const first = await send(t, { message: question(1), agentId });
      for (let index = 2; index <= 8; index += 1) {
        const response = await send(t, { message: question(index), sessionId: first.body.sessionId });
        expect(response.status).toBe(200);
      }
      const prompt = t.upstream.requests.at(-1)!.body.messages as { role: string; content: string }[];
      const stored = await sessionHistory(t, first.body.sessionId);
      expect(stored).toHaveLength(16);
      expect(prompt[0]).toEqual({ role: 'system', content: soul });
      // What follows the SOUL is the newest end of the history, in order, ending with question 8.
      const turns = prompt.slice(1);
      expect(turns.at(-1)).toEqual({ role: 'user', content: question(8) });
      const expected = stored.slice(0, 15).slice(-turns.length).map((item) => ({ role: item.role, content: item.content }));
      expect(turns).toEqual(expected);
      // Trimmed: the oldest question is gone, and what is left fits the budget.
      expect(turns.length).toBeLessThan(15);
      expect(turns.length).toBeGreaterThanOrEqual(3);
      expect(prompt.map((turn) => turn.content).join('\n')).not.toContain('question 1:');
      const estimate = prompt.reduce((sum, turn) => sum + countTokens(turn.content), 0);
      expect(estimate).toBeLessThanOrEqual(256);
    } finally {
      t.upstream.setBehavior((request) => ({ kind: 'stream', chunks: ['Echo: ', String(request.body?.messages?.at(-1)?.content ?? '')] }));
    }
  });

  it('keeps the SOUL and the new message even when they alone exceed the budget', async () => {
    const soul = `You are Huge. ${'rules '.repeat(300)}`;
    const agentId = await createAgent(t, { name: 'Huge', soul, config: { model: { default: 'upstream/gpt-test' }, session: { maxContextTokens: 256 } } });
    const first = await send(t, { message: 'first', agentId });
    await send(t, { message: 'second', sessionId: first.body.sessionId });
    expect(t.upstream.requests.at(-1)!.body.messages).toEqual([
      { role: 'system', content: soul },
      { role: 'user', content: 'second' },
    ]);
  });

  it('an agent without a SOUL sends no system turn', async () => {
    const agentId = await createAgent(t, { name: 'Soulless', config: { model: { default: 'upstream/gpt-test' } } });
    await send(t, { message: 'plain', agentId });
    expect(t.upstream.requests.at(-1)!.body.messages).toEqual([{ role: 'user', content: 'plain' }]);
  });
});
