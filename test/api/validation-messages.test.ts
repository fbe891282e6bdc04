/**
 * A 400 must say what to send instead: a choice among constants names the accepted values (ajv
 * alone said "must be equal to constant", once per value), and a malformed id or date names the
 * expected form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('validation messages name what is accepted', () => {
  it('history order=up: one issue listing "desc" and "asc"', async () => {
    const response = await t.request('GET', '/api/chat/history?order=up', { token: t.adminToken });
    expectError(response, 400, 'VALIDATION_ERROR');
    expect(response.body.error).toBe('Invalid request: querystring.order must be one of "desc", "asc".');
    expect(response.body.details).toEqual([{ path: 'querystring/order', message: 'querystring.order must be one of "desc", "asc"' }]);
  });

  it('agents status=bogus and a user role of "owner" list their values too', async () => {
    const agents = await t.request('GET', '/api/agents?status=bogus', { token: t.adminToken });
    expectError(agents, 400, 'VALIDATION_ERROR');
    expect(agents.body.error).toBe('Invalid request: querystring.status must be one of "online", "offline", "archived".');
    const user = await t.request('POST', '/api/users', { token: t.adminToken, body: { email: 'owner@example.test', password: 'a long enough password', role: 'owner' } });
    expectError(user, 400, 'VALIDATION_ERROR');
    expect(user.body.error).toBe('Invalid request: body.role must be one of "admin", "member".');
    expect(user.body.details).toHaveLength(1);
  });

  it('an agent name where an id goes, and a date without a time, say the expected form', async () => {
    const message = await t.request('POST', '/api/chat/message', { token: t.adminToken, body: { message: 'hi', agentId: 'Aria' } });
    expectError(message, 400, 'VALIDATION_ERROR');
    expect(message.body.error).toBe('Invalid request: body.agentId must be a UUID, such as the ids the API returns.');
    const stats = await t.request('GET', `/api/agents/${t.agents.Aria}/stats?from=2026-12-01`, { token: t.adminToken });
    expectError(stats, 400, 'VALIDATION_ERROR');
    expect(stats.body.error).toBe('Invalid request: querystring.from must be an ISO-8601 date and time with a time zone, such as 2026-03-17T10:00:00Z.');
  });

  it('other issues keep their wording', async () => {
    const response = await t.request('POST', '/api/chat/feedback', { token: t.adminToken, body: { messageId: t.agents.Aria, rating: 6 } });
    expectError(response, 400, 'VALIDATION_ERROR');
    expect(response.body.error).toBe('Invalid request: body.rating must be <= 5.');
  });
});
