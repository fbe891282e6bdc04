import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError } from './support.ts';

let t: TestServer;
let member: { token: string; id: string };

beforeAll(async () => {
  t = await startTestServer();
  member = await t.member();
});
afterAll(async () => {
  await t?.close();
});

describe('error bodies', () => {
  it('an unknown route is a 404 JSON error, with or without a token', async () => {
    expectError(await t.request('GET', '/api/nope', { token: t.adminToken }), 404, 'NOT_FOUND');
    expectError(await t.request('GET', '/api/nope'), 404, 'NOT_FOUND');
    expectError(await t.request('GET', '/definitely/not/here'), 404, 'NOT_FOUND');
    expectError(await t.request('POST', '/api/chat/nothing', { token: t.adminToken, body: {} }), 404, 'NOT_FOUND');
  });

  it('a known path with another method is a JSON error, not HTML', async () => {
    const response = await t.request('PUT', '/api/chat/message', { token: t.adminToken, body: { message: 'hi' } });
    expect([404, 405]).toContain(response.status);
    expectError(response, response.status);
    const deleteHistory = await t.request('DELETE', '/api/chat/history', { token: t.adminToken });
    expectError(deleteHistory, deleteHistory.status);
  });

  it('the 404 for an unknown route does not echo a token from the query string', async () => {
    const response = await t.request('GET', `/api/nope?token=${t.adminToken}`);
    expect(JSON.stringify(response.body)).not.toContain(t.adminToken);
  });

  it('every error of every kind has { error, code } and no stack', async () => {
    const cases: Array<[Promise<{ status: number; body: any; headers: Headers }>, number, string]> = [
      [t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: '' } }), 400, 'VALIDATION_ERROR'],
      [t.request('POST', '/api/chat/message', { token: t.adminToken, raw: '{bad json' }), 400, 'VALIDATION_ERROR'],
      [t.request('GET', '/api/chat/history?limit=0', { token: t.adminToken }), 400, 'VALIDATION_ERROR'],
      [t.request('GET', '/api/chat/history'), 401, 'UNAUTHORIZED'],
      [t.request('POST', '/api/auth/login', { body: { email: 'x@example.test', password: 'wrong password' } }), 401, 'UNAUTHORIZED'],
      [t.request('POST', '/api/agents', { token: member.token, body: { name: 'X', config: { model: { default: 'upstream/gpt-test' } } } }), 403, 'FORBIDDEN'],
      [t.request('GET', `/api/agents/${newId()}`, { token: t.adminToken }), 404, 'AGENT_NOT_FOUND'],
      [t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'hi', sessionId: newId() } }), 404, 'SESSION_NOT_FOUND'],
      [t.request('POST', '/api/chat/feedback', { token: t.adminToken, body: { messageId: newId(), rating: 3 } }), 404, 'MESSAGE_NOT_FOUND'],
      [t.request('POST', `/api/chat/messages/${newId()}/cancel`, { token: t.adminToken }), 404, 'MESSAGE_NOT_FOUND'],
      [t.request('POST', '/api/agents', { token: t.adminToken, body: { name: 'Aria', config: { model: { default: 'upstream/gpt-test' } } } }), 409, 'CONFLICT'],
      [t.request('POST', '/api/chat/message', { token: t.adminToken, raw: JSON.stringify({ message: 'x'.repeat(3 * 1024 * 1024) }) }), 413, 'PAYLOAD_TOO_LARGE'],
      [t.request('POST', '/api/chat/message', { token: t.adminToken, raw: 'hi', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [request, status, code] of cases) expectError(await request, status, code);
  });

  it('provider failures carry the session id; 5xx bodies never leak internals', async () => {
    t.upstream.queueBehaviors({ kind: 'status', status: 500, body: { error: { message: 'internal upstream detail at /srv/secret.py:42' } } });
    const response = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'boom', agentId: t.agents.Aria } });
    expectError(response, 502, 'PROVIDER_ERROR');
    expect(response.body.sessionId).toBeDefined();
    // The upstream's own error text (hosts, paths, masked keys) stays out of the client's view.
    expect(JSON.stringify(response.body)).not.toContain('secret.py');
    expect(JSON.stringify(response.body)).not.toContain('test-key');
  });

  it('a finished answer cannot be cancelled: 409 NOT_IN_PROGRESS', async () => {
    const answer = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'done already', agentId: t.agents.Aria } });
    expectError(await t.request('POST', `/api/chat/messages/${answer.body.messageId}/cancel`, { token: t.adminToken }), 409, 'NOT_IN_PROGRESS');
  });
});
