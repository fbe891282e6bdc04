import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStore } from '../helpers/stores.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { send } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('health', () => {
  it('GET /api/health answers 200 without a token, naming the store', async () => {
    const response = await t.request('GET', '/api/health');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', store: testStore });
  });
});

describe('OpenAPI', () => {
  let spec: any;
  beforeAll(async () => {
    const response = await t.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    spec = response.body;
  });

  it('is served without a token and lists the chat paths', async () => {
    expect(spec.openapi).toMatch(/^3\./);
    for (const path of ['/api/chat/message', '/api/chat/history', '/api/chat/feedback', '/api/auth/login', '/api/agents', '/api/agents/{id}', '/api/users']) {
      expect(Object.keys(spec.paths)).toContain(path);
    }
    expect(spec.paths['/api/chat/message'].post).toBeDefined();
    expect(spec.paths['/api/chat/history'].get).toBeDefined();
    expect(spec.paths['/api/chat/feedback'].post).toBeDefined();
  });

  it('documents the same request schemas that validate requests', async () => {
    const message = spec.paths['/api/chat/message'].post.requestBody.content['application/json'].schema;
    expect(message.additionalProperties).toBe(false);
    expect(message.required).toEqual(['message']);
    expect(message.properties.message).toMatchObject({ type: 'string', minLength: 1, maxLength: 32000 });
    expect(message.properties.agentId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(Object.keys(message.properties).sort()).toEqual(['agentId', 'explainRouting', 'message', 'sessionId']);

    const feedback = spec.paths['/api/chat/feedback'].post.requestBody.content['application/json'].schema;
    expect(feedback.additionalProperties).toBe(false);
    expect(feedback.properties.rating).toMatchObject({ type: 'integer', minimum: 1, maximum: 5 });
    expect(feedback.properties.comment.maxLength ?? feedback.properties.comment.anyOf?.[0]?.maxLength).toBe(2000);

    const parameters = spec.paths['/api/chat/history'].get.parameters as any[];
    const limit = parameters.find((parameter) => parameter.name === 'limit');
    expect(limit.in).toBe('query');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
    expect(parameters.map((parameter) => parameter.name)).toEqual(expect.arrayContaining(['agentId', 'sessionId', 'limit', 'offset', 'order', 'before', 'after']));
    for (const name of ['before', 'after']) expect(parameters.find((parameter) => parameter.name === name).schema).toMatchObject({ type: 'string', format: 'uuid' });
    const historyPage = spec.paths['/api/chat/history'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(historyPage.properties.pagination.properties).sort()).toEqual(['hasMore', 'limit', 'nextCursor', 'offset', 'total']);
    const sessionParameters = spec.paths['/api/chat/sessions'].get.parameters as any[];
    expect(sessionParameters.map((parameter) => parameter.name).sort()).toEqual(['agentId', 'all', 'cursor', 'limit', 'offset']);
    expect(sessionParameters.find((parameter) => parameter.name === 'cursor').schema).toMatchObject({ type: 'string' });
    const sessionsPage = spec.paths['/api/chat/sessions'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(sessionsPage.properties.pagination.properties).sort()).toEqual(['hasMore', 'limit', 'nextCursor', 'offset', 'total']);

    // What the spec says is what the server enforces: an unknown field is refused.
    expect((await send(t, { message: 'hi', unknown: true })).status).toBe(400);
  });

  it('documents the answer and the bearer security', async () => {
    const answer = spec.paths['/api/chat/message'].post.responses['200'].content['application/json'].schema;
    expect(Object.keys(answer.properties)).toEqual(expect.arrayContaining(['response', 'agentId', 'agentName', 'sessionId', 'inputTokens', 'outputTokens', 'durationMs']));
    expect(spec.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(spec.paths['/api/chat/message'].post.security).toEqual([{ bearer: [] }]);
  });

  it('/docs serves HTML without a token', async () => {
    const response = await fetch(`${t.baseUrl}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/<html/i);
  });
});

describe('metrics', () => {
  it('exposes Prometheus text with requests, answers, providers, tokens and routing', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['ok'], usage: { prompt_tokens: 1111, completion_tokens: 222 } });
    expect((await send(t, { message: 'metric me', agentId: t.agents.Ledger })).status).toBe(200);
    t.upstream.queueBehaviors({ kind: 'status', status: 500 });
    expect((await send(t, { message: 'fail over', agentId: t.agents.Nova })).status).toBe(200);
    expect((await send(t, { message: 'What are our competitors doing on pricing in the market?' })).status).toBe(200);

    const response = await fetch(`${t.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^fleetchat_http_requests_total\{[^}]*route="\/api\/chat\/message"[^}]*status="200"[^}]*\} \d+/m);
    expect(text).toMatch(/^fleetchat_answer_duration_seconds_count\{agent="Ledger"\} 1$/m);
    expect(text).toMatch(/^fleetchat_provider_request_duration_seconds_count\{[^}]*model="upstream\/gpt-test"[^}]*\} \d+/m);
    expect(text).toMatch(/^fleetchat_provider_request_duration_seconds_count\{[^}]*model="claude\/claude-test"[^}]*\} \d+/m);
    expect(text).toMatch(/^fleetchat_provider_errors_total\{[^}]*model="upstream\/gpt-test"[^}]*\} 1$/m);
    expect(text).toMatch(/^fleetchat_tokens_total\{agent="Ledger",direction="input"\} 1111$/m);
    expect(text).toMatch(/^fleetchat_tokens_total\{agent="Ledger",direction="output"\} 222$/m);
    expect(text).toMatch(/^fleetchat_routing_decisions_total\{strategy="explicit"\} \d+/m);
    expect(text).toMatch(/^fleetchat_routing_decisions_total\{strategy="relevance"\} 1$/m);
  });

  it('never labels metrics with raw URLs, ids or tokens', async () => {
    await t.request('GET', `/api/agents/${t.agents.Nova}`, { token: t.adminToken });
    await t.request('GET', `/api/nope/${t.agents.Nova}?token=${t.adminToken}`);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain('route="/api/agents/:id"');
    expect(text).not.toContain(t.agents.Nova);
    expect(text).not.toContain(t.adminToken);
  });
});
