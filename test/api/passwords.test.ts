/**
 * Passwords change: a user's own (with the current one), or another user's by an admin of the
 * same workspace (a forgotten one). Either way, every token issued before stops working at once.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.ts';
import { JWT_SECRET, startTestServer, type TestServer } from '../helpers/harness.ts';
import { expectError, foreignWorkspace } from './support.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const changeOwn = (token: string, body: Record<string, unknown>) => t.request('POST', '/api/auth/password', { token, body });
const setFor = (token: string, userId: string, body: Record<string, unknown>) => t.request('POST', `/api/users/${userId}/password`, { token, body });
const me = (token: string) => t.request('GET', '/api/auth/me', { token });

describe('POST /api/auth/password', () => {
  it('changes the caller\'s password: a new token comes back, every earlier token and the old password stop working', async () => {
    const member = await t.member();
    const second = await t.login(member.email, 'member-password-123');
    const changed = await changeOwn(member.token, { currentPassword: 'member-password-123', newPassword: 'a-brand-new-password' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.user).toMatchObject({ id: member.id, email: member.email, role: 'member' });
    expect((await me(changed.body.token)).status).toBe(200);
    for (const token of [member.token, second]) {
      const refused = await me(token);
      expectError(refused, 401, 'UNAUTHORIZED');
      expect(refused.body.error).toContain('password was changed');
    }
    expectError(await t.request('POST', '/api/auth/login', { body: { email: member.email, password: 'member-password-123' } }), 401, 'UNAUTHORIZED');
    expect((await me(await t.login(member.email, 'a-brand-new-password'))).status).toBe(200);
  });

  it('refuses a wrong current password (403), a short or unchanged new one (400), and changes nothing', async () => {
    const member = await t.member();
    const wrong = await changeOwn(member.token, { currentPassword: 'not-my-password', newPassword: 'a-brand-new-password' });
    expectError(wrong, 403, 'FORBIDDEN');
    expect(wrong.body.error).toBe('The current password is wrong.');
    expectError(await changeOwn(member.token, { currentPassword: 'member-password-123', newPassword: 'short' }), 400, 'VALIDATION_ERROR');
    const same = await changeOwn(member.token, { currentPassword: 'member-password-123', newPassword: 'member-password-123' });
    expectError(same, 400, 'VALIDATION_ERROR');
    expect(same.body.error).toContain('same as the current one');
    expectError(await changeOwn(member.token, { newPassword: 'a-brand-new-password' }), 400, 'VALIDATION_ERROR');
    expect((await me(member.token)).status).toBe(200);
    expect((await t.login(member.email, 'member-password-123')).length).toBeGreaterThan(20);
  });

  it('two changes at once: one is made, the other is refused (409) instead of silently undoing it', async () => {
    const member = await t.member();
    const wanted = ['first-new-password-a', 'second-new-password-b'];
    const answers = await Promise.all(wanted.map((newPassword) => changeOwn(member.token, { currentPassword: 'member-password-123', newPassword })));
    const made = answers.findIndex((answer) => answer.status === 200);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expectError(answers[1 - made], 409, 'CONFLICT');
    expect(answers[1 - made].body.error).toContain('changed by another request meanwhile');
    // The answer that said 200 is the truth: its token works and its password is the one in force.
    expect((await me(answers[made].body.token)).status).toBe(200);
    expect((await me(await t.login(member.email, wanted[made]))).status).toBe(200);
    expectError(await t.request('POST', '/api/auth/login', { body: { email: member.email, password: wanted[1 - made] } }), 401, 'UNAUTHORIZED');
  });

  it('needs a token', async () => {
    expectError(await t.request('POST', '/api/auth/password', { body: { currentPassword: 'member-password-123', newPassword: 'a-brand-new-password' } }), 401, 'UNAUTHORIZED');
  });

  it('tokens from before password stamps (no pwd claim) keep working until they expire', async () => {
    const member = await t.member();
    const now = Math.floor(Date.now() / 1000);
    const legacy = await new SignJWT({ wid: (await me(member.token)).body.user.workspaceId, role: 'member' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(member.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(JWT_SECRET));
    expect((await me(legacy)).status).toBe(200);
  });
});

describe('POST /api/users/:id/password (admin)', () => {
  it('sets a member\'s password: its tokens stop at once, the new password logs in', async () => {
    const member = await t.member();
    const set = await setFor(t.adminToken, member.id, { password: 'set-by-the-admin-1' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ ok: true });
    expectError(await me(member.token), 401, 'UNAUTHORIZED');
    expect((await me(await t.login(member.email, 'set-by-the-admin-1'))).status).toBe(200);
    // The admin's own token is untouched.
    expect((await me(t.adminToken)).status).toBe(200);
  });

  it('refuses members (403), the admin\'s own password (409), short passwords (400), unknown and foreign users (404)', async () => {
    const member = await t.member();
    const other = await t.member();
    expectError(await setFor(member.token, other.id, { password: 'taken-over-password' }), 403, 'FORBIDDEN');
    const adminId = (await me(t.adminToken)).body.user.id as string;
    const own = await setFor(t.adminToken, adminId, { password: 'admin-self-password' });
    expectError(own, 409, 'CONFLICT');
    expect(own.body.error).toContain('POST /api/auth/password');
    expectError(await setFor(t.adminToken, other.id, { password: 'short' }), 400, 'VALIDATION_ERROR');
    expectError(await setFor(t.adminToken, newId(), { password: 'nobody-has-this-one' }), 404, 'USER_NOT_FOUND');
    const foreign = await foreignWorkspace(t);
    expectError(await setFor(t.adminToken, foreign.memberId, { password: 'crossing-workspaces' }), 404, 'USER_NOT_FOUND');
    expectError(await setFor(foreign.adminToken, other.id, { password: 'crossing-workspaces' }), 404, 'USER_NOT_FOUND');
    // Nothing changed for any of them.
    for (const token of [member.token, other.token, foreign.memberToken, t.adminToken]) expect((await me(token)).status).toBe(200);
  });

  it('a deleted user cannot be given a password', async () => {
    const member = await t.member();
    expect((await t.request('DELETE', `/api/users/${member.id}`, { token: t.adminToken })).status).toBe(200);
    expectError(await setFor(t.adminToken, member.id, { password: 'back-from-the-dead' }), 404, 'USER_NOT_FOUND');
  });
});

describe('password tries count against the login limit', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ env: { RATE_LIMIT_LOGIN_PER_15MIN: '3' } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('a stolen token cannot guess its owner\'s password faster than a login could', async () => {
    const { auth } = limited.server.services;
    const workspaceId = (await limited.request('GET', '/api/auth/me', { token: limited.adminToken })).body.user.workspaceId;
    const user = await auth.createUser({ workspaceId, email: `pw-${newId()}@example.test`, password: 'member-password-123', role: 'member' });
    const token = await auth.issueToken(user);
    const change = (currentPassword: string) => limited.request('POST', '/api/auth/password', { token, body: { currentPassword, newPassword: 'a-brand-new-password' } });
    // The harness logged in once from 127.0.0.1: two more tries, then 429 even with the right password.
    expectError(await change('guess-number-one'), 403, 'FORBIDDEN');
    expectError(await change('guess-number-two'), 403, 'FORBIDDEN');
    const refused = await change('member-password-123');
    expectError(refused, 429, 'RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limited.request('GET', '/api/auth/me', { token })).status).toBe(200);
  });
});

describe('a lookup of the user begun before a password change', () => {
  /** Holds the next store read of `userId` after it has read the row, until released. */
  function holdNextRead(userId: string) {
    const store = t.server.services.store;
    const getUser = store.getUser;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let read!: () => void;
    const hasRead = new Promise<void>((resolve) => (read = resolve));
    store.getUser = async (id: string) => {
      const user = await getUser.call(store, id);
      if (id === userId) {
        store.getUser = getUser;
        read();
        await released;
      }
      return user;
    };
    return { hasRead, release };
  }

  it('is not cached: the old token is refused as soon as the change has answered', async () => {
    const member = await t.member();
    const held = holdNextRead(member.id);
    const inFlight = me(member.token);
    await held.hasRead;
    expect((await setFor(t.adminToken, member.id, { password: 'set-by-the-admin-1' })).status).toBe(200);
    held.release();
    // Begun before the change, it may still answer 200; what it read must not outlive it.
    await inFlight;
    expectError(await me(member.token), 401, 'UNAUTHORIZED');
  });
});

describe('the 12-character minimum counts characters as they are hashed (NFKC)', () => {
  // Twelve Hangul jamo, which NFKC composes into four syllables: the password is '각각각각'.
  const jamo = '\u1100\u1161\u11A8'.repeat(4);

  it('refuses a password that is shorter than 12 once normalized, wherever one is set', async () => {
    expect(jamo.normalize('NFKC')).toBe('각각각각');
    const member = await t.member();
    expectError(await changeOwn(member.token, { currentPassword: 'member-password-123', newPassword: jamo }), 400, 'VALIDATION_ERROR');
    expectError(await setFor(t.adminToken, member.id, { password: jamo }), 400, 'VALIDATION_ERROR');
    expectError(await t.request('POST', '/api/users', { token: t.adminToken, body: { email: `jamo-${newId()}@example.test`, password: jamo } }), 400, 'VALIDATION_ERROR');
    expectError(await t.request('POST', '/api/auth/login', { body: { email: member.email, password: '각각각각' } }), 401, 'UNAUTHORIZED');
  });

  it('accepts twelve characters outside the Basic Multilingual Plane (one character each, two UTF-16 units)', async () => {
    const member = await t.member();
    const emoji = '🔑🌊🎲🧭🪐🦊🍋🎻🛶🧩🌵🪁';
    const changed = await changeOwn(member.token, { currentPassword: 'member-password-123', newPassword: emoji });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await me(await t.login(member.email, emoji))).status).toBe(200);
  });
});
