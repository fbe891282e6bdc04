import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, startTestServer, type TestServer } from '../helpers/harness.ts';
import { newId } from '../../src/ids.ts';
import { expectError, UUID } from './support.ts';

let t: TestServer;
let admin: { id: string; workspaceId: string };
const key = new TextEncoder().encode(JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  t = await startTestServer();
  admin = (await t.request('GET', '/api/auth/me', { token: t.adminToken })).body.user;
});
afterAll(async () => {
  await t?.close();
});

/** A token signed with our key and algorithm, with claims the test chooses. */
function sign(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }, secret = key) {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(secret);
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
const validClaims = () => ({ sub: admin.id, wid: admin.workspaceId, role: 'admin', iat: now(), exp: now() + 600 });

async function expectRefused(token: string) {
  const response = await t.request('GET', '/api/auth/me', { token });
  expectError(response, 401, 'UNAUTHORIZED');
  // The same token is refused on every protected route, not only /me.
  expectError(await t.request('GET', '/api/agents', { token }), 401, 'UNAUTHORIZED');
}

describe('login', () => {
  it('returns a token and the user', async () => {
    const response = await t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    expect(response.status).toBe(200);
    expect(typeof response.body.token).toBe('string');
    expect(response.body.user).toMatchObject({ email: ADMIN_EMAIL, role: 'admin' });
    expect(response.body.user.id).toMatch(UUID);
    expect(response.body.user.workspaceId).toMatch(UUID);
    expect(response.body.user).not.toHaveProperty('passwordHash');
    expect(JSON.stringify(response.body)).not.toContain(ADMIN_PASSWORD);
    const [header, payload] = response.body.token.split('.').slice(0, 2).map((part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: response.body.user.id, wid: response.body.user.workspaceId, role: 'admin' });
    expect(typeof payload.iat).toBe('number');
    expect(payload.exp - payload.iat).toBe(3600);
  });

  it('accepts the email in another case and with spaces around it', async () => {
    const response = await t.request('POST', '/api/auth/login', { body: { email: `  ${ADMIN_EMAIL.toUpperCase()} `, password: ADMIN_PASSWORD } });
    expect(response.status).toBe(200);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const wrongPassword = await t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: 'not the password' } });
    const unknownEmail = await t.request('POST', '/api/auth/login', { body: { email: 'nobody@example.test', password: 'not the password' } });
    expectError(wrongPassword, 401, 'UNAUTHORIZED');
    expectError(unknownEmail, 401, 'UNAUTHORIZED');
    expect(wrongPassword.body).toEqual(unknownEmail.body);
  });

  it('validates the login body', async () => {
    expectError(await t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL } }), 400, 'VALIDATION_ERROR');
    expectError(await t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: 5 } }), 400, 'VALIDATION_ERROR');
    expectError(await t.request('POST', '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, role: 'admin' } }), 400, 'VALIDATION_ERROR');
  });

  it('GET /api/auth/me returns the caller', async () => {
    const response = await t.request('GET', '/api/auth/me', { token: t.adminToken });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ email: ADMIN_EMAIL, role: 'admin', id: admin.id, workspaceId: admin.workspaceId });
  });
});

describe('tokens', () => {
  it('a missing or malformed Authorization header is 401', async () => {
    expectError(await t.request('GET', '/api/auth/me'), 401, 'UNAUTHORIZED');
    expectError(await t.request('GET', '/api/auth/me', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }), 401, 'UNAUTHORIZED');
    expectError(await t.request('GET', '/api/auth/me', { headers: { authorization: 'Bearer' } }), 401, 'UNAUTHORIZED');
    expectError(await t.request('GET', '/api/auth/me', { headers: { authorization: `Bearer ${t.adminToken} extra` } }), 401, 'UNAUTHORIZED');
    expectError(await t.request('GET', '/api/auth/me', { token: 'not-a-jwt' }), 401, 'UNAUTHORIZED');
  });

  it('REST paths do not take the token from the query string', async () => {
    expectError(await t.request('GET', `/api/auth/me?token=${t.adminToken}`), 401, 'UNAUTHORIZED');
  });

  it('a token we signed ourselves with valid claims is accepted (the forgeries below differ in one thing only)', async () => {
    const response = await t.request('GET', '/api/auth/me', { token: await sign(validClaims()) });
    expect(response.status).toBe(200);
  });

  it('alg: none is refused', async () => {
    await expectRefused(`${encode({ alg: 'none', typ: 'JWT' })}.${encode(validClaims())}.`);
    await expectRefused(`${encode({ alg: 'none', typ: 'JWT' })}.${encode(validClaims())}`);
    await expectRefused(`${encode({ alg: 'NONE' })}.${encode(validClaims())}.`);
  });

  it('another algorithm than HS256, even with the right secret, is refused', async () => {
    await expectRefused(await sign(validClaims(), { alg: 'HS512' }));
    await expectRefused(await sign(validClaims(), { alg: 'HS384' }));
  });

  it('a token signed with another key is refused', async () => {
    await expectRefused(await sign(validClaims(), undefined, new TextEncoder().encode('another-secret-that-is-at-least-32-characters')));
  });

  it('an expired token is refused', async () => {
    await expectRefused(await sign({ ...validClaims(), iat: now() - 7200, exp: now() - 3600 }));
    await expectRefused(await sign({ ...validClaims(), iat: now() - 120, exp: now() - 60 }));
  });

  it('a token accepted before is refused once it expires (verified tokens are cached only until exp)', async () => {
    const token = await sign({ ...validClaims(), exp: now() + 2 });
    expect((await t.request('GET', '/api/auth/me', { token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expectRefused(token);
  });

  it('a token without exp is refused', async () => {
    const { exp, ...claims } = validClaims();
    await expectRefused(await sign(claims));
  });

  it('a token with nbf in the future is refused', async () => {
    await expectRefused(await sign({ ...validClaims(), nbf: now() + 600 }));
  });

  it('a token for an unknown user is refused', async () => {
    await expectRefused(await sign({ ...validClaims(), sub: newId() }));
  });

  it('a token whose workspace does not match its user is refused', async () => {
    await expectRefused(await sign({ ...validClaims(), wid: newId() }));
  });

  it('tampered claims (signature of other claims) are refused', async () => {
    const member = await t.member();
    const [header, payload, signature] = member.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    await expectRefused(`${header}.${encode({ ...claims, role: 'admin' })}.${signature}`);
    await expectRefused(`${header}.${encode({ ...claims, exp: claims.exp + 86_400 })}.${signature}`);
    await expectRefused(`${header}.${payload}.${signature.slice(0, -4)}AAAA`);
  });

  it('the role comes from the store, not from the token', async () => {
    const member = await t.member();
    const forged = await sign({ sub: member.id, wid: admin.workspaceId, role: 'admin', iat: now(), exp: now() + 600 });
    // A validly signed token that says admin for a member still acts as the member.
    const response = await t.request('POST', '/api/agents', { token: forged, body: { name: 'Sneaky', config: { model: { default: 'upstream/gpt-test' } } } });
    expectError(response, 403, 'FORBIDDEN');
  });

  it('a deleted user\'s token stops working at once', async () => {
    const member = await t.member();
    expect((await t.request('GET', '/api/auth/me', { token: member.token })).status).toBe(200);
    const deleted = await t.request('DELETE', `/api/users/${member.id}`, { token: t.adminToken });
    expect(deleted.status).toBe(200);
    await expectRefused(member.token);
    expectError(await t.request('POST', '/api/chat/message', { token: member.token, body: { message: 'still here?' } }), 401, 'UNAUTHORIZED');
    expectError(await t.request('POST', '/api/auth/login', { body: { email: member.email, password: 'member-password-123' } }), 401, 'UNAUTHORIZED');
  });
});
