/**
 * A streamed POST /api/chat/message is a metered request like the JSON one: it carries the
 * general request limit's X-RateLimit-* headers (API.md, Operations). The SSE reply is written by
 * hand after a hijack, which used to drop them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { RATE_LIMIT_REQUESTS_PER_MIN: '100' } });
});
afterAll(async () => {
  await t?.close();
});

async function post(accept: string) {
  const response = await fetch(`${t.baseUrl}/api/chat/message`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json', accept },
    body: JSON.stringify({ message: 'headers please', agentId: t.agents.Nova }),
  });
  await response.text();
  return response;
}

it('Server-Sent Events carry the X-RateLimit-* headers that the JSON answer carries', async () => {
  const json = await post('application/json');
  expect(json.status).toBe(200);
  expect(json.headers.get('x-ratelimit-limit')).toBe('100');
  const sse = await post('text/event-stream');
  expect(sse.status).toBe(200);
  expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(sse.headers.get('x-ratelimit-limit')).toBe('100');
  expect(Number(sse.headers.get('x-ratelimit-remaining'))).toBe(Number(json.headers.get('x-ratelimit-remaining')) - 1);
  expect(Number(sse.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
});
