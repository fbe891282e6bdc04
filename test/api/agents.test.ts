import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, send, UUID } from './support.ts';

let t: TestServer;
let member: { token: string; id: string };

beforeAll(async () => {
  t = await startTestServer();
  member = await t.member();
});
afterAll(async () => {
  await t?.close();
});

const fullAgent = {
  name: 'Scout',
  role: 'Market scout',
  description: 'Finds new markets',
  soul: '# Scout\nYou are Scout.',
  config: {
    model: { default: 'upstream/gpt-test', fallbacks: ['claude/claude-test'] },
    routing: { examples: ['Where should we expand?'], keywords: ['expansion'] },
    session: { maxContextTokens: 8000 },
    limits: { dailyTokenBudget: 300000, monthlyTokenBudget: 6000000 },
  },
};

describe('reading agents (every role)', () => {
  it('lists the workspace\'s agents with pagination', async () => {
    const response = await t.request('GET', '/api/agents', { token: member.token });
    expect(response.status).toBe(200);
    expect(response.body.data.map((agent: any) => agent.name).sort()).toEqual(['Aria', 'Ledger', 'Nova']);
    expect(response.body.pagination).toEqual({ total: 3, limit: 20, offset: 0, hasMore: false });
    const page = await t.request('GET', '/api/agents?limit=2&offset=0', { token: member.token });
    expect(page.body.data).toHaveLength(2);
    expect(page.body.pagination).toMatchObject({ total: 3, limit: 2, hasMore: true });
    const rest = await t.request('GET', '/api/agents?limit=2&offset=2', { token: member.token });
    expect(rest.body.data).toHaveLength(1);
    expect(new Set([...page.body.data, ...rest.body.data].map((agent: any) => agent.id)).size).toBe(3);
  });

  it('gets one agent with the contract\'s fields', async () => {
    const response = await t.request('GET', `/api/agents/${t.agents.Nova}`, { token: member.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: t.agents.Nova,
      name: 'Nova',
      role: 'Research Analyst',
      soul: 'You are Nova, a research analyst.',
      status: 'online',
      config: { model: { default: 'upstream/gpt-test', fallbacks: ['claude/claude-test'] }, routing: { keywords: ['competitor', 'market', 'pricing'] } },
      tokensTodayInput: expect.any(Number),
      tokensTodayOutput: expect.any(Number),
    });
    expect(typeof response.body.config.session.maxContextTokens).toBe('number');
    expect(response.body).toHaveProperty('lastActiveAt');
    expect(response.body).toHaveProperty('createdAt');
  });

  it('an unknown agent is 404', async () => {
    expectError(await t.request('GET', `/api/agents/${newId()}`, { token: member.token }), 404, 'AGENT_NOT_FOUND');
  });

  it('today\'s token counters and lastActiveAt follow the answers', async () => {
    const before = (await t.request('GET', `/api/agents/${t.agents.Ledger}`, { token: member.token })).body;
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['ok'], usage: { prompt_tokens: 123, completion_tokens: 45 } });
    expect((await send(t, { message: 'count this', agentId: t.agents.Ledger }, { token: member.token })).status).toBe(200);
    const after = (await t.request('GET', `/api/agents/${t.agents.Ledger}`, { token: member.token })).body;
    expect(after.tokensTodayInput - before.tokensTodayInput).toBe(123);
    expect(after.tokensTodayOutput - before.tokensTodayOutput).toBe(45);
    expect(after.lastActiveAt).not.toBeNull();
    const listed = (await t.request('GET', '/api/agents', { token: member.token })).body.data.find((agent: any) => agent.id === t.agents.Ledger);
    expect(listed).toMatchObject({ tokensTodayInput: after.tokensTodayInput, tokensTodayOutput: after.tokensTodayOutput });
  });
});

describe('managing agents (admins only)', () => {
  it('members get 403 for create, update, archive and stats', async () => {
    expectError(await t.request('POST', '/api/agents', { token: member.token, body: fullAgent }), 403, 'FORBIDDEN');
    expectError(await t.request('PATCH', `/api/agents/${t.agents.Nova}`, { token: member.token, body: { role: 'x' } }), 403, 'FORBIDDEN');
    expectError(await t.request('DELETE', `/api/agents/${t.agents.Nova}`, { token: member.token }), 403, 'FORBIDDEN');
    expectError(await t.request('GET', `/api/agents/${t.agents.Nova}/stats`, { token: member.token }), 403, 'FORBIDDEN');
    expect((await t.request('GET', `/api/agents/${t.agents.Nova}`, { token: member.token })).body.role).toBe('Research Analyst');
  });

  it('creates an agent: 201 with the full view, and it answers', async () => {
    const response = await t.request('POST', '/api/agents', { token: t.adminToken, body: fullAgent });
    expect(response.status).toBe(201);
    expect(response.body.id).toMatch(UUID);
    expect(response.body).toMatchObject({ ...fullAgent, status: 'online', tokensTodayInput: 0, tokensTodayOutput: 0 });
    const answer = await send(t, { message: 'hello scout', agentId: response.body.id }, { token: member.token });
    expect(answer.status).toBe(200);
    expect(answer.body.agentName).toBe('Scout');
    expect((await t.request('GET', `/api/agents/${response.body.id}`, { token: member.token })).status).toBe(200);
  });

  it('a minimal agent gets defaults', async () => {
    const response = await t.request('POST', '/api/agents', { token: t.adminToken, body: { name: 'Minimal', config: { model: { default: 'upstream/gpt-test' } } } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ role: '', description: '', soul: '', status: 'online', config: { model: { fallbacks: [] }, routing: { examples: [], keywords: [] }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } } });
  });

  it('a NUL or a lone surrogate anywhere in an agent is a 400 naming the field, on create and on update', async () => {
    const model = { default: 'upstream/gpt-test' };
    const bodies = [
      { name: 'Nul example', config: { model, routing: { examples: ['fine', 'bad \u0000'] } } },
      { name: 'Nul keyword', config: { model, routing: { keywords: ['\u0000'] } } },
      { name: 'Surrogate soul', soul: 'You are \ud800 helpful', config: { model } },
      { name: 'Nul role', role: 'a\u0000b', config: { model } },
    ];
    const fields = ['config.routing.examples[1]', 'config.routing.keywords[0]', 'soul', 'role'];
    for (const [index, body] of bodies.entries()) {
      const response = await t.request('POST', '/api/agents', { token: t.adminToken, body });
      expectError(response, 400, 'VALIDATION_ERROR');
      expect(response.body.error).toContain(fields[index]);
    }
    const patched = await t.request('PATCH', `/api/agents/${t.agents.Ledger}`, { token: t.adminToken, body: { config: { routing: { examples: ['\udc00'] } } } });
    expectError(patched, 400, 'VALIDATION_ERROR');
    expect(patched.body.error).toContain('config.routing.examples[0]');
    const names = (await t.request('GET', '/api/agents?limit=100', { token: t.adminToken })).body.data.map((agent: { name: string }) => agent.name);
    expect(names.filter((name: string) => name.startsWith('Nul') || name.startsWith('Surrogate'))).toEqual([]);
  });

  it('names are unique in a workspace: 409 on create and on rename', async () => {
    expectError(await t.request('POST', '/api/agents', { token: t.adminToken, body: { ...fullAgent, name: 'Nova' } }), 409, 'CONFLICT');
    expectError(await t.request('POST', '/api/agents', { token: t.adminToken, body: { ...fullAgent, name: '  Nova ' } }), 409, 'CONFLICT');
    expectError(await t.request('PATCH', `/api/agents/${t.agents.Ledger}`, { token: t.adminToken, body: { name: 'Nova' } }), 409, 'CONFLICT');
    expect((await t.request('GET', `/api/agents/${t.agents.Ledger}`, { token: t.adminToken })).body.name).toBe('Ledger');
  });

  it('updates fields and merges config', async () => {
    const created = await t.request('POST', '/api/agents', { token: t.adminToken, body: { ...fullAgent, name: 'Patchy' } });
    const response = await t.request('PATCH', `/api/agents/${created.body.id}`, { token: t.adminToken, body: { role: 'Patched role', config: { session: { maxContextTokens: 4000 } } } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ role: 'Patched role', description: fullAgent.description, config: { model: fullAgent.config.model, session: { maxContextTokens: 4000 }, limits: fullAgent.config.limits } });
    expectError(await t.request('PATCH', `/api/agents/${newId()}`, { token: t.adminToken, body: { role: 'x' } }), 404, 'AGENT_NOT_FOUND');
  });

  it('refuses a daily token budget larger than the monthly one, on create and on a patch that merges into one', async () => {
    const refused = await t.request('POST', '/api/agents', { token: t.adminToken, body: { ...fullAgent, name: 'Spendy', config: { ...fullAgent.config, limits: { dailyTokenBudget: 7000000, monthlyTokenBudget: 6000000 } } } });
    expectError(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.error).toBe('config.limits.dailyTokenBudget (7000000) is larger than config.limits.monthlyTokenBudget (6000000); lower the daily budget or raise the monthly one.');
    const created = await t.request('POST', '/api/agents', { token: t.adminToken, body: { ...fullAgent, name: 'Thrifty' } });
    expect(created.status).toBe(201);
    // The monthly budget stays 6 000 000 from the agent as created.
    expectError(await t.request('PATCH', `/api/agents/${created.body.id}`, { token: t.adminToken, body: { config: { limits: { dailyTokenBudget: 6000001 } } } }), 400, 'VALIDATION_ERROR');
    const equal = await t.request('PATCH', `/api/agents/${created.body.id}`, { token: t.adminToken, body: { config: { limits: { dailyTokenBudget: 6000000 } } } });
    expect(equal.status).toBe(200);
    expect(equal.body.config.limits).toEqual({ dailyTokenBudget: 6000000, monthlyTokenBudget: 6000000 });
  });

  it('offline agents do not answer: 409 AGENT_OFFLINE; online again, they do', async () => {
    const created = await t.request('POST', '/api/agents', { token: t.adminToken, body: { ...fullAgent, name: 'Sleepy' } });
    await t.request('PATCH', `/api/agents/${created.body.id}`, { token: t.adminToken, body: { status: 'offline' } });
    expectError(await send(t, { message: 'wake up', agentId: created.body.id }), 409, 'AGENT_OFFLINE');
    await t.request('PATCH', `/api/agents/${created.body.id}`, { token: t.adminToken, body: { status: 'online' } });
    expect((await send(t, { message: 'wake up', agentId: created.body.id })).status).toBe(200);
  });

  it('archives: status archived, 409 on new messages and in its sessions, left out of routing, history kept', async () => {
    const created = await t.request('POST', '/api/agents', {
      token: t.adminToken,
      body: { ...fullAgent, name: 'Volcanologist', description: 'Volcanoes, lava and magma', config: { ...fullAgent.config, routing: { keywords: ['volcano', 'lava', 'magma'] } } },
    });
    const id = created.body.id;
    const routedBefore = await send(t, { message: 'volcano lava magma eruption' });
    expect(routedBefore.body.agentId).toBe(id);
    const archived = await t.request('DELETE', `/api/agents/${id}`, { token: t.adminToken });
    expect(archived.status).toBe(200);
    expect(archived.body.status).toBe('archived');
    expect((await t.request('GET', `/api/agents/${id}`, { token: member.token })).body.status).toBe('archived');
    expectError(await send(t, { message: 'still there?', agentId: id }), 409, 'AGENT_ARCHIVED');
    expectError(await send(t, { message: 'still there?', sessionId: routedBefore.body.sessionId }), 409, 'AGENT_ARCHIVED');
    const routedAfter = await send(t, { message: 'volcano lava magma eruption' }, { token: member.token });
    expect(routedAfter.status).toBe(200);
    expect(routedAfter.body.agentId).not.toBe(id);
    const listed = await t.request('GET', '/api/agents?status=archived', { token: t.adminToken });
    expect(listed.body.data.map((agent: any) => agent.id)).toContain(id);
    const online = await t.request('GET', '/api/agents?status=online&limit=100', { token: t.adminToken });
    expect(online.body.data.map((agent: any) => agent.id)).not.toContain(id);
    const history = await t.request('GET', `/api/chat/history?sessionId=${routedBefore.body.sessionId}`, { token: t.adminToken });
    expect(history.body.pagination.total).toBe(2);
    expectError(await t.request('PATCH', `/api/agents/${id}`, { token: t.adminToken, body: { role: 'x' } }), 409);
  });

  it('stats for an agent', async () => {
    const response = await t.request('GET', `/api/agents/${t.agents.Ledger}/stats`, { token: t.adminToken });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ messages: expect.any(Number), sessions: expect.any(Number), tokens: { input: expect.any(Number), output: expect.any(Number) } });
    expect(response.body.tokens.input).toBeGreaterThanOrEqual(123);
    expectError(await t.request('GET', `/api/agents/${t.agents.Ledger}/stats?from=2030-01-02T00:00:00.000Z&to=2030-01-01T00:00:00.000Z`, { token: t.adminToken }), 400, 'VALIDATION_ERROR');
  });
});
