/**
 * Small helpers shared by the REST suites (not a test file: vitest only runs `*.test.ts`).
 */
import { expect } from 'vitest';
import { newId } from '../../src/ids.ts';
import type { TestServer } from '../helpers/harness.ts';

/** Every error body: `{ error, code }`, a human sentence and an UPPER_SNAKE code, no stack. */
export function expectError(response: { status: number; body: any; headers: Headers }, status: number, code?: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type') ?? '').toMatch(/application\/json/);
  expect(typeof response.body?.error).toBe('string');
  expect(response.body.error.length).toBeGreaterThan(0);
  expect(response.body.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  if (code !== undefined) expect(response.body.code).toBe(code);
  const text = JSON.stringify(response.body);
  expect(text).not.toMatch(/\bstack\b|\n\s+at |node_modules|\.ts:\d+/);
}

/** A second workspace with its own admin, member and agent, created through the services. */
export async function foreignWorkspace(t: TestServer, name = `other-${newId().slice(-8)}`) {
  const { store, auth, agents } = t.server.services;
  const workspace = await store.createWorkspace({ id: newId(), name, now: new Date() });
  const admin = await auth.createUser({ workspaceId: workspace.id, email: `admin-${workspace.id}@other.test`, password: 'other-admin-password', role: 'admin' });
  const member = await auth.createUser({ workspaceId: workspace.id, email: `member-${workspace.id}@other.test`, password: 'other-member-password', role: 'member' });
  const agent = await agents.create(workspace.id, { name: 'Aria', role: 'Other Aria', soul: 'You are the other Aria.', config: { model: { default: 'upstream/gpt-test' } } });
  await store.setDefaultAgent(workspace.id, agent.id);
  return {
    workspaceId: workspace.id,
    agentId: agent.id,
    adminToken: await auth.issueToken(admin),
    memberToken: await auth.issueToken(member),
    adminId: admin.id,
    memberId: member.id,
  };
}

/** Creates an agent through the API (admin) and returns its id. */
export async function createAgent(t: TestServer, body: Record<string, unknown>): Promise<string> {
  const response = await t.request('POST', '/api/agents', { token: t.adminToken, body });
  if (response.status !== 201) throw new Error(`agent creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** Sends a chat message; `token` defaults to the admin's. */
export function send(t: TestServer, body: Record<string, unknown>, options: { token?: string; headers?: Record<string, string> } = {}) {
  return t.request('POST', '/api/chat/message', { token: options.token ?? t.adminToken, body, headers: options.headers });
}

/** All messages of a session, oldest first. */
export async function sessionHistory(t: TestServer, sessionId: string, token = t.adminToken): Promise<any[]> {
  const response = await t.request('GET', `/api/chat/history?sessionId=${sessionId}&order=asc&limit=200`, { token });
  expect(response.status).toBe(200);
  return response.body.data;
}

/**
 * Starts `POST /api/chat/message` the way a client that will hang up does: `hangUp()` aborts the
 * request, and `settled` resolves (with the response or the abort error) once fetch gives up.
 */
export function sendThenHangUp(t: TestServer, token: string, body: Record<string, unknown>): { hangUp: () => void; settled: Promise<unknown> } {
  const controller = new AbortController();
  const settled = fetch(`${t.baseUrl}/api/chat/message`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: controller.signal,
  }).catch((error: unknown) => error);
  return { hangUp: () => controller.abort(), settled };
}

export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
