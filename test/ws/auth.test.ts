import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/auth-service.ts';
import { TokenSigner } from '../../src/auth/tokens.ts';
import { createMemoryCoordination } from '../../src/coordination/memory/index.ts';
import { JWT_SECRET, startTestServer, type TestServer } from '../helpers/harness.ts';
import { connect, tryUpgrade, wsUrl } from './ws-client.ts';

let t: TestServer;
const logLines: string[] = [];
let admin: { id: string; workspaceId: string };

/** A token as the server would sign it, with claims and lifetime chosen by the test. */
async function signToken(options: { expiresIn: number; secret?: string; subject?: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ wid: admin.workspaceId, role: 'admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject ?? admin.id)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + options.expiresIn)
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  t = await startTestServer({ logStream: { write: (line: string) => logLines.push(line) } });
  const me = await t.request('GET', '/api/auth/me', { token: t.adminToken });
  admin = me.body.user;
});
afterAll(async () => {
  await t?.close();
});

describe('WebSocket auth at the upgrade', () => {
  it('accepts a valid token', async () => {
    const client = await connect(t, t.adminToken);
    client.socket.close();
    expect((await client.closed).code).toBe(1005);
  });

  it.each([
    ['no token', async () => undefined],
    ['an empty token', async () => ''],
    ['a malformed token', async () => 'not-a-jwt'],
    ['a token signed with another key', async () => signToken({ expiresIn: 600, secret: 'another-secret-that-is-at-least-32-chars' })],
    ['an expired token', async () => signToken({ expiresIn: -5 })],
    ['an alg: none token', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: admin.id, wid: admin.workspaceId, role: 'admin', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 })}.`],
    ['a token of an unknown user', async () => signToken({ expiresIn: 600, subject: '01900000-0000-7000-8000-000000000000' })],
  ])('refuses %s with HTTP 401 and never opens', async (_name, makeToken) => {
    const result = await tryUpgrade(wsUrl(t, await makeToken()));
    expect(result.opened).toBe(false);
    expect(result.status).toBe(401);
    expect(result.body.code).toBe('UNAUTHORIZED');
  });

  it('refuses the token of a deleted user with 401', async () => {
    const member = await t.member();
    expect((await tryUpgrade(wsUrl(t, member.token))).opened).toBe(true);
    expect((await t.request('DELETE', `/api/users/${member.id}`, { token: t.adminToken })).status).toBe(200);
    const result = await tryUpgrade(wsUrl(t, member.token));
    expect(result).toMatchObject({ opened: false, status: 401 });
  });

  it('answers 404 for another path', async () => {
    const result = await tryUpgrade(`${t.baseUrl.replace(/^http/, 'ws')}/api/chat/other?token=${t.adminToken}`);
    expect(result).toMatchObject({ opened: false, status: 404 });
  });

  it('never writes the token of the URL to a log', async () => {
    const bad = `${t.adminToken.slice(0, -4)}AAAA`;
    const client = await connect(t, t.adminToken);
    client.socket.close();
    await client.closed;
    await tryUpgrade(wsUrl(t, bad));
    // The token's signature is the secret part; neither whole token may show up.
    const signature = t.adminToken.split('.')[2];
    const upgrades = logLines.filter((line) => line.includes('"upgrade"'));
    expect(upgrades.length).toBeGreaterThanOrEqual(2);
    expect(upgrades.some((line) => line.includes('"status":401'))).toBe(true);
    for (const line of logLines) {
      expect(line).not.toContain(signature);
      expect(line).not.toContain(bad.split('.')[2]);
    }
  });

  it('does not log a token hidden behind a percent-encoded parameter name', async () => {
    const url = `${t.baseUrl.replace(/^http/, 'ws')}/api/chat/ws?%74oken=${encodeURIComponent(t.adminToken)}`;
    const result = await tryUpgrade(url);
    if (result.opened === false) expect(result.status).toBe(401);
    for (const line of logLines) expect(line).not.toContain(t.adminToken.split('.')[2]);
  });
});

describe('WebSocket close 4401', () => {
  it('closes the socket with 4401 when its token expires', async () => {
    const token = await signToken({ expiresIn: 2 });
    const client = await connect(t, token);
    const opened = Date.now();
    const closed = await client.closed;
    expect(closed.code).toBe(4401);
    expect(closed.at - opened).toBeLessThan(3_500);
  });

  it('closes the socket with 4401 when its user is deleted', async () => {
    const member = await t.member();
    const client = await connect(t, member.token);
    const other = await connect(t, t.adminToken);
    expect((await t.request('DELETE', `/api/users/${member.id}`, { token: t.adminToken })).status).toBe(200);
    expect((await client.closed).code).toBe(4401);
    // Only that user's sockets go.
    expect(other.socket.readyState).toBe(other.socket.OPEN);
    other.socket.close();
  });

  it('closes the sockets opened with tokens from before a password change, with the reason', async () => {
    const member = await t.member();
    const before = await connect(t, member.token);
    const other = await connect(t, t.adminToken);
    const changed = await t.request('POST', '/api/auth/password', { token: member.token, body: { currentPassword: 'member-password-123', newPassword: 'a-brand-new-password' } });
    expect(changed.status).toBe(200);
    const closed = await before.closed;
    expect([closed.code, closed.reason]).toEqual([4401, 'password changed']);
    // A socket on the new token opens and stays; other users' sockets were never touched.
    const after = await connect(t, changed.body.token);
    expect(after.socket.readyState).toBe(after.socket.OPEN);
    expect(other.socket.readyState).toBe(other.socket.OPEN);
    after.socket.close();
    other.socket.close();
  });
});

describe('WebSocket close 4401 when the user is named by its id in capitals', () => {
  it('an admin setting the password through the id in capitals still closes the user\'s sockets', async () => {
    const member = await t.member();
    const client = await connect(t, member.token);
    const set = await t.request('POST', `/api/users/${member.id.toUpperCase()}/password`, { token: t.adminToken, body: { password: 'set-by-the-admin-1' } });
    expect(set.status).toBe(200);
    const closed = await Promise.race([client.closed, new Promise<undefined>((resolve) => setTimeout(resolve, 2_000))]);
    expect(closed && [closed.code, closed.reason]).toEqual([4401, 'password changed']);
  });
});

describe('a password changed while the token of a new socket is checked', () => {
  it('the socket, opened on what the check read before the change, closes with 4401 once listed', async () => {
    const member = await t.member();
    const store = t.server.services.store;
    const getUser = store.getUser;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let read!: () => void;
    const hasRead = new Promise<void>((resolve) => (read = resolve));
    store.getUser = async (id: string) => {
      const user = await getUser.call(store, id);
      if (id === member.id) {
        store.getUser = getUser;
        read();
        await released;
      }
      return user;
    };
    const connecting = connect(t, member.token);
    await hasRead;
    const changed = await t.request('POST', `/api/users/${member.id}/password`, { token: t.adminToken, body: { password: 'set-by-the-admin-1' } });
    expect(changed.status).toBe(200);
    release();
    // The check began before the change: the socket may open, but not stay.
    const client = await connecting;
    const closed = await Promise.race([client.closed, new Promise<undefined>((resolve) => setTimeout(resolve, 2_000))]);
    expect(closed && [closed.code, closed.reason]).toEqual([4401, 'password changed']);
  });
});

describe('token checks at the heartbeat', () => {
  it('a password set outside the server (as fleetchat user password does) closes the sockets of older tokens', async () => {
    const server = await startTestServer({ env: { WS_PING_INTERVAL_MS: '200' } });
    const coordination = createMemoryCoordination();
    try {
      const member = await server.member();
      const socket = await connect(server, member.token);
      const other = await connect(server, server.adminToken);
      // Its own store connection and its own bus, as the CLI has: nothing reaches the server's.
      const outside = new AuthService({ store: server.server.services.store, signer: new TokenSigner(JWT_SECRET, 3600), revocations: coordination.revocations });
      const workspaceId = (await server.request('GET', '/api/auth/me', { token: member.token })).body.user.workspaceId;
      expect(await outside.resetPassword(workspaceId, member.id, 'set-outside-the-server')).toBe(true);
      // Within the user cache's 5 s and a heartbeat.
      const closed = await socket.closed;
      expect([closed.code, closed.reason]).toEqual([4401, 'password changed']);
      expect(other.socket.readyState).toBe(other.socket.OPEN);
      other.socket.close();
    } finally {
      await coordination.close();
      await server.close();
    }
  }, 20_000);
});

describe('per-user socket cap', () => {
  let capped: TestServer;
  beforeAll(async () => {
    capped = await startTestServer({ env: { WS_MAX_SOCKETS_PER_USER: '2' } });
  });
  afterAll(async () => {
    await capped?.close();
  });

  it('refuses the upgrade past the cap with HTTP 429, per user', async () => {
    const first = await connect(capped, capped.adminToken);
    const second = await connect(capped, capped.adminToken);
    const third = await tryUpgrade(wsUrl(capped, capped.adminToken));
    expect(third).toMatchObject({ opened: false, status: 429 });
    expect(third.body.code).toBe('RATE_LIMITED');
    // Another user is not affected.
    const member = await capped.member();
    const own = await connect(capped, member.token);
    own.socket.close();
    // Closing one frees a place.
    first.socket.close();
    await first.closed;
    const again = await connect(capped, capped.adminToken);
    again.socket.close();
    second.socket.close();
    await Promise.all([again.closed, second.closed]);
  });
});
