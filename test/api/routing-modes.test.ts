import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFleet, startTestServer, type TestServer } from '../helpers/harness.ts';
import { locateEncoder } from '../../src/agents/sentence-encoder.ts';
import { route } from '../../src/routing/index.ts';

const LEDGER_ID = '01900000-0000-7000-8000-0000000000a3';

/** The app wired with `routing.mode: llm`: the model is asked only when the embedded router is unsure. */
describe('routing mode llm, through the whole app', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      fleet: (openaiUrl, anthropicUrl) => {
        const fleet = defaultFleet(openaiUrl, anthropicUrl);
        const agents = fleet.agents.map((agent) => (agent.name === 'Ledger' ? { ...agent, id: LEDGER_ID } : agent));
        return { ...fleet, agents, routing: { mode: 'llm', llmModel: 'upstream/router-model' } };
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const answers = () => (request: { body: any }) =>
    request.body.model === 'router-model'
      ? { kind: 'stream' as const, chunks: [JSON.stringify({ agentId: LEDGER_ID, confidence: 0.9 })] }
      : { kind: 'stream' as const, chunks: ['Echo: ', String(request.body.messages.at(-1).content)] };

  it('asks the routing model about an unclear message and follows its choice', async () => {
    t.upstream.setBehavior(answers());
    const before = t.upstream.requests.length;
    const response = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'zorbly quux flimflam', explainRouting: true } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ agentId: LEDGER_ID, agentName: 'Ledger', routedBy: 'relevance' });
    const calls = t.upstream.requests.slice(before).map((request) => request.body.model);
    expect(calls).toEqual(['router-model', 'gpt-test']);
    const routingPrompt = t.upstream.requests[before].body.messages.map((turn: { content: string }) => turn.content).join('\n');
    expect(routingPrompt).toContain(LEDGER_ID);
    expect(routingPrompt).toContain('zorbly quux flimflam');
  });

  it('does not ask the model when the embedded router is confident', async () => {
    t.upstream.setBehavior(answers());
    const before = t.upstream.requests.length;
    const response = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'Summarize competitor pricing moves in the market' } });
    expect(response.body).toMatchObject({ agentName: 'Nova', routedBy: 'relevance' });
    expect(t.upstream.requests.slice(before).map((request) => request.body.model)).toEqual(['gpt-test']);
  });

  it('falls back to the embedded decision when the routing model fails, and counts it', async () => {
    t.upstream.setBehavior((request) => (request.body.model === 'router-model' ? { kind: 'status', status: 500 } : answers()(request)));
    const response = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'zorbly quux flimflam again' } });
    expect(response.status).toBe(200);
    expect(['default', 'recent']).toContain(response.body.routedBy);
    const metrics = await t.request('GET', '/metrics');
    expect(metrics.body).toMatch(/fleetchat_routing_fallbacks_total\{mode="llm"\} [1-9]/);
  });
});

/** The app wired with `routing.mode: encoder`: the bundled sentence encoder, in its worker thread. */
describe.skipIf('missing' in locateEncoder())('routing mode encoder, through the whole app', () => {
  let t: TestServer;
  const infos: string[] = [];
  const modelTag = () => (locateEncoder() as { modelTag: string }).modelTag;
  beforeAll(async () => {
    t = await startTestServer({ env: { ROUTING_MODE: 'encoder' }, info: (message) => infos.push(message) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores the agents texts vectors at start; the next start deletes those of texts no agent uses', async () => {
    await t.server.warmedUp;
    const store = t.server.services.store;
    const stored = async () => (await store.listRoutingTexts(modelTag())).map((entry) => entry.text);
    expect(await stored()).toContain('Pay this invoice');
    expect(infos).toEqual([]);
    // Vectors left by an earlier fleet, as an instance started before would find them.
    const removed = Array.from({ length: 3 }, (_, position) => `an example of an agent removed long ago, number ${position}`);
    await store.addRoutingVectors(modelTag(), removed.map((text) => ({ text, vector: new Float32Array(512).fill(0.01) })), new Date(Date.now() - 60_000));
    const before = (await stored()).length;
    expect(await t.server.services.routing.tidy()).toEqual({ kept: before - 3, dropped: 3 });
    expect(await stored()).toContain('Pay this invoice');
    expect((await stored()).filter((text) => removed.includes(text))).toEqual([]);
  });

  it('routes by meaning once the agents texts are embedded, where words alone would not, and counts no fallback', async () => {
    const workspaceId = (await t.request('GET', '/api/auth/me', { token: t.adminToken })).body.user.workspaceId;
    await t.server.services.routing.warmUp(workspaceId);
    // The agents' texts' vectors are in the store, for the next start and the other instances.
    expect((await t.server.services.store.getRoutingVectors(modelTag(), ['Pay this invoice'])).size).toBe(1);
    // No word of this message is in Ledger's texts, so the embedded router alone is unsure.
    const message = 'i need reimbursement for my taxi';
    const { index } = await t.server.services.agents.routingSnapshot(workspaceId);
    expect(route({ message, context: {}, index, defaultAgentId: t.agents.Aria, options: { recentWindowMs: 0 } }).strategy).toBe('default');
    const response = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message, explainRouting: true } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ agentName: 'Ledger', routedBy: 'relevance' });
    expect(response.body.routing.candidates).toHaveLength(3);
    const metrics = await t.request('GET', '/metrics');
    expect(metrics.body).not.toMatch(/fleetchat_routing_fallbacks_total\{mode="encoder"\} [1-9]/);
  });
});
