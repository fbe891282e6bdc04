import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, foreignWorkspace, send } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const preview = (body: Record<string, unknown>, token = t.adminToken) => t.request('POST', '/api/chat/route', { token, body });

/** Everything a preview must leave as it was: the caller's messages and sessions, and the provider. */
async function footprint(token: string) {
  const history = await t.request('GET', '/api/chat/history?limit=1', { token });
  const sessions = await t.request('GET', '/api/chat/sessions?limit=1', { token });
  return { messages: history.body.pagination.total, sessions: sessions.body.pagination.total, providerCalls: t.upstream.requests.length };
}

/** The `fleetchat_routing_decisions_total` lines of /metrics. */
async function routingDecisions(): Promise<string[]> {
  const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('fleetchat_routing_decisions_total'));
}

describe('POST /api/chat/route', () => {
  it('says which agent a message would go to, and why, as sending it decides, without storing or answering anything', async () => {
    const member = await t.member();
    const message = 'Summarize competitor pricing moves in our market';
    const before = await footprint(member.token);
    const decisionsBefore = await routingDecisions();
    const response = await preview({ message }, member.token);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ agentId: t.agents.Nova, agentName: 'Nova', routedBy: 'relevance' });
    expect(response.body.routing.confidence).toBeGreaterThan(0.5);
    expect(response.body.routing.candidates[0]).toMatchObject({ agentId: t.agents.Nova, agentName: 'Nova' });
    expect(await footprint(member.token)).toEqual(before);
    // Not an answer's decision: the metric of routing decisions does not count it.
    expect(await routingDecisions()).toEqual(decisionsBefore);
    // Sending it decides the same.
    const sent = await send(t, { message, explainRouting: true }, { token: member.token });
    expect(sent.status).toBe(200);
    expect({ agentId: sent.body.agentId, agentName: sent.body.agentName, routedBy: sent.body.routedBy, routing: sent.body.routing }).toEqual(response.body);
    // …and the metric counts the sent message's decision: it would have counted the preview's.
    expect(await routingDecisions()).not.toEqual(decisionsBefore);
  });

  it('applies the follow-up rule: a short unclear message goes to the agent of the caller\'s recent session', async () => {
    const member = await t.member();
    const unclear = 'and then?';
    const fresh = await preview({ message: unclear }, member.token);
    expect(fresh.body.routedBy).toBe('default');
    await send(t, { message: 'Summarize competitor pricing moves in our market' }, { token: member.token });
    const followUp = await preview({ message: unclear }, member.token);
    expect(followUp.body).toMatchObject({ agentId: t.agents.Nova, routedBy: 'recent' });
  });

  it('an explicit agent or the caller\'s own session decides, with no routing to explain', async () => {
    const member = await t.member();
    const explicit = await preview({ message: 'anything at all', agentId: t.agents.Ledger }, member.token);
    expect(explicit.body).toEqual({ agentId: t.agents.Ledger, agentName: 'Ledger', routedBy: 'explicit' });
    const session = (await send(t, { message: 'open a session', agentId: t.agents.Aria }, { token: member.token })).body.sessionId;
    const continued = await preview({ message: 'Summarize competitor pricing moves', sessionId: session }, member.token);
    expect(continued.body).toEqual({ agentId: t.agents.Aria, agentName: 'Aria', routedBy: 'session' });
    expectError(await preview({ message: 'x', sessionId: session, agentId: t.agents.Nova }, member.token), 409, 'SESSION_AGENT_MISMATCH');
  });

  it('nobody previews into a session or an agent that is not theirs: 404', async () => {
    const owner = await t.member();
    const other = await t.member();
    const session = (await send(t, { message: 'mine', agentId: t.agents.Aria }, { token: owner.token })).body.sessionId;
    expectError(await preview({ message: 'hello', sessionId: session }, other.token), 404);
    expectError(await preview({ message: 'hello', sessionId: session }), 404); // admins included, as for sending
    const foreign = await foreignWorkspace(t);
    expectError(await preview({ message: 'hello', agentId: foreign.agentId }), 404);
    // The other workspace routes among its own agents only.
    const theirs = await preview({ message: 'Summarize competitor pricing moves' }, foreign.memberToken);
    expect(theirs.body.agentId).toBe(foreign.agentId);
    expect(theirs.body.routing.candidates.map((candidate: { agentId: string }) => candidate.agentId)).toEqual([foreign.agentId]);
  });

  it('refuses bad input with a clear 4xx, and callers without a token with 401', async () => {
    expectError(await preview({}), 400, 'VALIDATION_ERROR');
    expectError(await preview({ message: '   ' }), 400, 'VALIDATION_ERROR');
    expectError(await preview({ message: 5 }), 400, 'VALIDATION_ERROR');
    expectError(await preview({ message: 'x'.repeat(t.server.services.config.maxMessageChars + 1) }), 400, 'VALIDATION_ERROR');
    expectError(await preview({ message: 'hi', explainRouting: true }), 400, 'VALIDATION_ERROR');
    expectError(await preview({ message: 'hi', agentId: 'not-a-uuid' }), 400, 'VALIDATION_ERROR');
    expectError(await t.request('POST', '/api/chat/route', { body: { message: 'hi' } }), 401);
  });
});

describe('POST /api/chat/route and the message rate limit', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ env: { RATE_LIMIT_MESSAGES_PER_MIN: '1' } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('a preview is not a message: previews leave the one message a minute to send', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await limited.request('POST', '/api/chat/route', { token: limited.adminToken, body: { message: 'Summarize competitor pricing moves' } })).status).toBe(200);
    }
    expect((await send(limited, { message: 'Summarize competitor pricing moves' })).status).toBe(200);
    expectError(await send(limited, { message: 'and again' }), 429, 'RATE_LIMITED');
  });
});
