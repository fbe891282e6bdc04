import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('smoke', () => {
  it('answers a message', async () => {
    const response = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'hello world', agentId: t.agents.Nova } });
    expect(response.status).toBe(200);
    expect(response.body.agentName).toBe('Nova');
    expect(response.body.response).toContain('hello world');
  });
});
