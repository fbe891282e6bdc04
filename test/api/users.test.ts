import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.ts';
import { ADMIN_EMAIL, startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, foreignWorkspace, send, UUID } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const createUser = (body: Record<string, unknown>, token = t.adminToken) => t.request('POST', '/api/users', { token, body });

describe('users API', () => {
  it('creates a user: 201 with id, email, role, workspaceId, createdAt and nothing secret', async () => {
    const response = await createUser({ email: 'New.Person@Example.test', password: 'twelve-chars', role: 'member' });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['createdAt', 'email', 'id', 'role', 'workspaceId']);
    expect(response.body).toMatchObject({ email: 'new.person@example.test', role: 'member' });
    expect(response.body.id).toMatch(UUID);
    expect(JSON.stringify(response.body)).not.toContain('twelve-chars');
    expect((await t.login('new.person@example.test', 'twelve-chars')).length).toBeGreaterThan(20);
  });

  it('role defaults to member; an admin created so can manage', async () => {
    const plain = await createUser({ email: 'plain@example.test', password: 'long-enough-password' });
    expect(plain.body.role).toBe('member');
    const admin = await createUser({ email: 'second-admin@example.test', password: 'long-enough-password', role: 'admin' });
    expect(admin.body.role).toBe('admin');
    const token = await t.login('second-admin@example.test', 'long-enough-password');
    expect((await createUser({ email: 'by-second@example.test', password: 'long-enough-password' }, token)).status).toBe(201);
  });

  it('a duplicate email is 409, whatever its case', async () => {
    expectError(await createUser({ email: 'plain@example.test', password: 'long-enough-password' }), 409, 'CONFLICT');
    expectError(await createUser({ email: 'PLAIN@example.test', password: 'long-enough-password' }), 409, 'CONFLICT');
    expectError(await createUser({ email: ADMIN_EMAIL, password: 'long-enough-password' }), 409, 'CONFLICT');
  });

  it('a password under 12 characters is 400', async () => {
    expectError(await createUser({ email: 'short@example.test', password: 'elevenchars' }), 400, 'VALIDATION_ERROR');
    expectError(await createUser({ email: 'short@example.test', password: '' }), 400, 'VALIDATION_ERROR');
    expect((await createUser({ email: 'short@example.test', password: 'twelvechars!' })).status).toBe(201);
  });

  it('lists the workspace\'s users with pagination', async () => {
    const response = await t.request('GET', '/api/users?limit=2', { token: t.adminToken });
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(2);
    expect(response.body.pagination).toMatchObject({ limit: 2, offset: 0, hasMore: true });
    const all = await t.request('GET', '/api/users?limit=100', { token: t.adminToken });
    expect(all.body.pagination.total).toBe(all.body.data.length);
    expect(all.body.data.map((user: any) => user.email)).toEqual(expect.arrayContaining([ADMIN_EMAIL, 'plain@example.test']));
    for (const user of all.body.data) expect(user).not.toHaveProperty('passwordHash');
    const page2 = await t.request('GET', `/api/users?limit=2&offset=2`, { token: t.adminToken });
    expect(page2.body.data.map((user: any) => user.id)).toEqual(all.body.data.slice(2, 4).map((user: any) => user.id));
  });

  it('members get 403 on every users endpoint', async () => {
    const member = await t.member();
    expectError(await createUser({ email: 'x@example.test', password: 'long-enough-password' }, member.token), 403, 'FORBIDDEN');
    expectError(await t.request('GET', '/api/users', { token: member.token }), 403, 'FORBIDDEN');
    expectError(await t.request('DELETE', `/api/users/${member.id}`, { token: member.token }), 403, 'FORBIDDEN');
  });

  it('deletes a user: its tokens stop at once, its sessions stay readable by admins', async () => {
    const member = await t.member();
    const answer = await send(t, { message: 'remember me', agentId: t.agents.Aria }, { token: member.token });
    expect(answer.status).toBe(200);
    const deleted = await t.request('DELETE', `/api/users/${member.id}`, { token: t.adminToken });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ ok: true });
    expectError(await t.request('GET', '/api/chat/history', { token: member.token }), 401, 'UNAUTHORIZED');
    const history = await t.request('GET', `/api/chat/history?sessionId=${answer.body.sessionId}`, { token: t.adminToken });
    expect(history.body.data.map((item: any) => item.content)).toEqual(['Echo: remember me', 'remember me']);
    const list = await t.request('GET', '/api/users?limit=100', { token: t.adminToken });
    expect(list.body.data.map((user: any) => user.id)).not.toContain(member.id);
    expectError(await t.request('DELETE', `/api/users/${member.id}`, { token: t.adminToken }), 404);
  });

  it('an admin cannot delete itself; an unknown user is 404', async () => {
    const me = await t.request('GET', '/api/auth/me', { token: t.adminToken });
    expectError(await t.request('DELETE', `/api/users/${me.body.user.id}`, { token: t.adminToken }), 409, 'CONFLICT');
    expectError(await t.request('DELETE', `/api/users/${newId()}`, { token: t.adminToken }), 404);
    expectError(await t.request('DELETE', '/api/users/not-a-uuid', { token: t.adminToken }), 400, 'VALIDATION_ERROR');
  });

  it('the email of a deleted user can be used again', async () => {
    const created = await createUser({ email: 'reuse@example.test', password: 'long-enough-password' });
    await t.request('DELETE', `/api/users/${created.body.id}`, { token: t.adminToken });
    const again = await createUser({ email: 'reuse@example.test', password: 'another-long-password' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.body.id);
    expect((await t.login('reuse@example.test', 'another-long-password')).length).toBeGreaterThan(20);
  });
});

describe('PATCH /api/users/:id (role)', () => {
  const setRole = (userId: string, role: unknown, token = t.adminToken) => t.request('PATCH', `/api/users/${userId}`, { token, body: { role } });

  it('promotes a member and demotes it again; its token carries the new role at once', async () => {
    const member = await t.member();
    expectError(await t.request('GET', '/api/users', { token: member.token }), 403, 'FORBIDDEN');
    const promoted = await setRole(member.id, 'admin');
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect(promoted.body).toMatchObject({ id: member.id, email: member.email, role: 'admin' });
    expect((await t.request('GET', '/api/users', { token: member.token })).status).toBe(200);
    expect((await t.request('GET', '/api/auth/me', { token: member.token })).body.user.role).toBe('admin');
    expect((await setRole(member.id, 'member')).body.role).toBe('member');
    expectError(await t.request('GET', '/api/users', { token: member.token }), 403, 'FORBIDDEN');
  });

  it('refuses the admin\'s own role (409), members (403), a bad role (400), unknown, foreign and deleted users (404)', async () => {
    const member = await t.member();
    const other = await t.member();
    const adminId = (await t.request('GET', '/api/auth/me', { token: t.adminToken })).body.user.id as string;
    const own = await setRole(adminId, 'member');
    expectError(own, 409, 'CONFLICT');
    expect(own.body.error).toBe('You cannot change your own role; ask another admin.');
    expectError(await setRole(other.id, 'admin', member.token), 403, 'FORBIDDEN');
    expectError(await setRole(other.id, 'owner'), 400, 'VALIDATION_ERROR');
    expectError(await t.request('PATCH', `/api/users/${other.id}`, { token: t.adminToken, body: {} }), 400, 'VALIDATION_ERROR');
    expectError(await setRole(newId(), 'admin'), 404, 'USER_NOT_FOUND');
    const foreign = await foreignWorkspace(t);
    expectError(await setRole(foreign.memberId, 'admin'), 404, 'USER_NOT_FOUND');
    expect((await t.request('DELETE', `/api/users/${member.id}`, { token: t.adminToken })).status).toBe(200);
    expectError(await setRole(member.id, 'admin'), 404, 'USER_NOT_FOUND');
    // Nobody's role moved.
    expect((await t.request('GET', '/api/auth/me', { token: t.adminToken })).body.user.role).toBe('admin');
    expect((await t.request('GET', '/api/auth/me', { token: other.token })).body.user.role).toBe('member');
  });
});

describe('a user id in capitals is the same user (PostgreSQL\'s uuid type matches it)', () => {
  it('the admin\'s own id in capitals is still its own: role, password and deletion are refused (409) and nothing changes', async () => {
    const adminId = (await t.request('GET', '/api/auth/me', { token: t.adminToken })).body.user.id as string;
    const shouted = adminId.toUpperCase();
    expectError(await t.request('PATCH', `/api/users/${shouted}`, { token: t.adminToken, body: { role: 'member' } }), 409, 'CONFLICT');
    expectError(await t.request('POST', `/api/users/${shouted}/password`, { token: t.adminToken, body: { password: 'set-without-the-current-one' } }), 409, 'CONFLICT');
    expectError(await t.request('DELETE', `/api/users/${shouted}`, { token: t.adminToken }), 409, 'CONFLICT');
    expect((await t.request('GET', '/api/auth/me', { token: t.adminToken })).body.user.role).toBe('admin');
    expect((await t.login(ADMIN_EMAIL, 'correct horse battery staple')).length).toBeGreaterThan(20);
  });

  it('another user\'s id in capitals: the change applies at once, to its tokens as to its role', async () => {
    const member = await t.member();
    const shouted = member.id.toUpperCase();
    expect((await t.request('GET', '/api/auth/me', { token: member.token })).status).toBe(200);
    const promoted = await t.request('PATCH', `/api/users/${shouted}`, { token: t.adminToken, body: { role: 'admin' } });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect(promoted.body).toMatchObject({ id: member.id, role: 'admin' });
    expect((await t.request('GET', '/api/auth/me', { token: member.token })).body.user.role).toBe('admin');
    expect((await t.request('POST', `/api/users/${shouted}/password`, { token: t.adminToken, body: { password: 'set-by-the-admin-1' } })).status).toBe(200);
    expectError(await t.request('GET', '/api/auth/me', { token: member.token }), 401, 'UNAUTHORIZED');
  });
});

describe('two admins acting on each other at once', () => {
  /** A workspace with two admins of its own, each logged in. */
  async function twoAdmins() {
    const { store, auth } = t.server.services;
    const workspace = await store.createWorkspace({ id: newId(), name: `pair-${newId().slice(-8)}`, now: new Date() });
    const make = async (name: string) => {
      const user = await auth.createUser({ workspaceId: workspace.id, email: `${name}-${workspace.id}@pair.test`, password: 'pair-admin-password', role: 'admin' });
      return { id: user.id, token: await auth.issueToken(user) };
    };
    return { workspaceId: workspace.id, first: await make('first'), second: await make('second') };
  }
  const admins = async (workspaceId: string) => (await t.server.services.store.listUsers(workspaceId, 10, 0)).data.filter((user) => user.role === 'admin' && !user.deletedAt);

  it('demoting each other: one wins, the other is 403, and the workspace keeps an admin', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { workspaceId, first, second } = await twoAdmins();
      const answers = await Promise.all([
        t.request('PATCH', `/api/users/${second.id}`, { token: first.token, body: { role: 'member' } }),
        t.request('PATCH', `/api/users/${first.id}`, { token: second.token, body: { role: 'member' } }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 403]);
      const refused = answers.find((answer) => answer.status === 403)!;
      expectError(refused, 403, 'FORBIDDEN');
      // The route's own admin check, or the store's when both passed the route at once.
      expect(refused.body.error).toMatch(/^(You are no longer an admin of this workspace; nothing was changed\.|Only an admin)/);
      expect(await admins(workspaceId)).toHaveLength(1);
    }
  });

  it('deleting each other: one wins, the other is 403 (or 401 once its own deletion is seen), and the workspace keeps an admin', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { workspaceId, first, second } = await twoAdmins();
      const answers = await Promise.all([
        t.request('DELETE', `/api/users/${second.id}`, { token: first.token }),
        t.request('DELETE', `/api/users/${first.id}`, { token: second.token }),
      ]);
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses[0]).toBe(200);
      expect([401, 403]).toContain(statuses[1]);
      expect(await admins(workspaceId)).toHaveLength(1);
    }
  });
});
