/**
 * /openapi.json (and /docs) describe what each operation answers, not only what it takes: every
 * operation documents its success body. GET /api/agents/:id/stats had none, so the reference
 * showed no shape for it; its schema now also serializes the answer, which must lose nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { send } from './support.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

it('every operation of the OpenAPI document has a success response with a body schema', async () => {
  const spec = (await t.request('GET', '/openapi.json')).body;
  const missing: string[] = [];
  for (const [path, operations] of Object.entries<Record<string, any>>(spec.paths)) {
    for (const [method, operation] of Object.entries<any>(operations)) {
      const success = Object.entries<any>(operation.responses ?? {}).find(([status]) => status.startsWith('2'));
      if (!success?.[1]?.content?.['application/json']?.schema) missing.push(`${method.toUpperCase()} ${path}`);
    }
  }
  expect(missing).toEqual([]);
  const stats = spec.paths['/api/agents/{id}/stats'].get.responses['200'].content['application/json'].schema;
  expect(Object.keys(stats.properties).sort()).toEqual(['agentId', 'byModel', 'errors', 'feedback', 'from', 'latencyMs', 'messages', 'sessions', 'to', 'tokens']);
});

it('the stats answer keeps every figure, per model included', async () => {
  const answer = (await send(t, { message: 'count me', agentId: t.agents.Aria })).body;
  expect((await t.request('POST', '/api/chat/feedback', { token: t.adminToken, body: { messageId: answer.messageId, rating: 4 } })).status).toBe(200);
  const response = await t.request('GET', `/api/agents/${t.agents.Aria}/stats`, { token: t.adminToken });
  expect(response.status).toBe(200);
  const figures = {
    messages: 1,
    tokens: { input: answer.inputTokens, output: answer.outputTokens },
    feedback: { count: 1, average: 4, distribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 } },
    latencyMs: { p50: expect.any(Number), p95: expect.any(Number) },
    errors: 0,
  };
  expect(response.body).toEqual({ agentId: t.agents.Aria, from: expect.any(String), to: expect.any(String), sessions: 1, ...figures, byModel: { [answer.model]: expect.objectContaining(figures) } });
});

it('operations that take a body list 413 and 415, the message route 499, with the error body', async () => {
  const spec = (await t.request('GET', '/openapi.json')).body;
  const lacking: string[] = [];
  let withBody = 0;
  for (const [path, operations] of Object.entries<Record<string, any>>(spec.paths)) {
    for (const [method, operation] of Object.entries<any>(operations)) {
      if (!operation.requestBody) continue;
      withBody += 1;
      for (const status of ['413', '415']) if (!operation.responses?.[status]?.content?.['application/json']?.schema) lacking.push(`${method.toUpperCase()} ${path} ${status}`);
    }
  }
  expect(withBody).toBeGreaterThan(5);
  expect(lacking).toEqual([]);
  const message = spec.paths['/api/chat/message'].post.responses;
  expect(message['499'].content['application/json'].schema).toEqual(message['400'].content['application/json'].schema);
  // What the routes list themselves is kept, and hidden routes stay hidden.
  expect(Object.keys(message)).toEqual(expect.arrayContaining(['200', '400', '401', '404', '409', '413', '415', '422', '429', '499', '502', '503', '504']));
  expect(spec.paths['/api/chat/history'].get.responses['415']).toBeUndefined();
  expect(spec.paths['/openapi.json']).toBeUndefined();
});
