/**
 * `token`, `user add`, `user password` and `workspace add` take values the configuration also takes (a token
 * lifetime, an email, a workspace name): they must accept and refuse them as it does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/auth-service.ts';
import { TokenSigner } from '../../src/auth/tokens.ts';
import { createStore } from '../../src/bootstrap.ts';
import type { Settings } from '../../src/config/types.ts';
import { createMemoryCoordination } from '../../src/coordination/memory/index.ts';
import { runCli } from './run-cli.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-accounts-'));
const env = { DATABASE_URL: `sqlite:${path.join(directory, 'fleetchat.db')}`, JWT_SECRET: 'accounts-test-secret-that-is-at-least-32-characters' };
const fleetchat = (...args: string[]) => runCli(args, env);
const password = 'a-long-enough-password';
/** As a refused value is shown in `(got …)`: quoted, and cut at 80 characters. */
const shown = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
const lifetime = (token: string) => {
  const claims = JSON.parse(Buffer.from(token.trim().split('.')[1], 'base64url').toString()) as { iat: number; exp: number };
  return claims.exp - claims.iat;
};

beforeAll(async () => {
  // The user the tokens are for; it also creates the workspace "default".
  const created = await fleetchat('user', 'add', '--email', 'dev@example.test', '--password', password);
  expect(created.stdout).toContain('created member dev@example.test');
}, 30_000);
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('fleetchat token --ttl', () => {
  it('takes what JWT_TTL takes, from 1s to 365d, and refuses more naming --ttl', async () => {
    const [centuries, oneDayTooMany, zero, empty, longest, combined] = await Promise.all([
      fleetchat('token', '--email', 'dev@example.test', '--ttl', '99999999999d'),
      fleetchat('token', '--email', 'dev@example.test', '--ttl', '366d'),
      fleetchat('token', '--email', 'dev@example.test', '--ttl', '0'),
      fleetchat('token', '--email', 'dev@example.test', '--ttl', ''),
      fleetchat('token', '--email', 'dev@example.test', '--ttl', '365d'),
      fleetchat('token', '--email', 'dev@example.test', '--ttl', '1h30m'),
    ]);
    const refusal = (value: string) =>
      `fleetchat token: --ttl must be a duration from 1s to 365d such as 15m, 1h, 7d or a number of seconds (got ${JSON.stringify(value)})\n`;
    expect(centuries).toEqual({ code: 1, stdout: '', stderr: refusal('99999999999d') });
    expect(oneDayTooMany).toEqual({ code: 1, stdout: '', stderr: refusal('366d') });
    expect(zero).toEqual({ code: 1, stdout: '', stderr: refusal('0') });
    expect(empty).toEqual({ code: 1, stdout: '', stderr: 'fleetchat token: --ttl is empty: give a value, or leave --ttl out\n' });
    expect(lifetime(longest.stdout)).toBe(365 * 86_400);
    expect(lifetime(combined.stdout)).toBe(5400);
  }, 30_000);
});

describe('fleetchat user add and workspace add', () => {
  it('refuse an email the configuration would refuse (FLEETCHAT_ADMIN_EMAIL), naming the option', async () => {
    const tooLong = `${'a'.repeat(290)}@example.test`;
    const [notAnEmail, long, adminEmail, localhost] = await Promise.all([
      fleetchat('user', 'add', '--email', 'not-an-email', '--password', password),
      fleetchat('user', 'add', '--email', tooLong, '--password', password),
      fleetchat('workspace', 'add', 'acme', '--admin-email', 'boss at acme', '--admin-password', password),
      // The configuration's own default has no dot, and must pass here too.
      fleetchat('user', 'add', '--email', 'ops@localhost', '--password', password),
    ]);
    expect(notAnEmail).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user add: --email must be an email address such as admin@example.com (got "not-an-email")\n' });
    expect(long).toEqual({ code: 1, stdout: '', stderr: `fleetchat user add: --email must be an email address such as admin@example.com (got ${shown(tooLong)})\n` });
    expect(adminEmail).toEqual({
      code: 1,
      stdout: '',
      stderr: 'fleetchat workspace add: --admin-email must be an email address such as admin@example.com (got "boss at acme")\n',
    });
    expect(localhost.code).toBe(0);
  }, 30_000);

  it('workspace add refuses a name the fleet file would refuse, a control character, and a name taken in another case', async () => {
    const add = (name: string, email: string) => fleetchat('workspace', 'add', name, '--admin-email', email, '--admin-password', password);
    const longest = 'w'.repeat(100);
    const [blank, tooLong, control, otherCase, hundred] = await Promise.all([
      add(' ', 'a@example.test'),
      add('w'.repeat(500), 'b@example.test'),
      add('w\x01', 'c@example.test'),
      add('Default', 'd@example.test'),
      add(longest, 'e@example.test'),
    ]);
    expect(blank).toEqual({ code: 1, stdout: '', stderr: 'fleetchat workspace add: NAME must be text of 1 to 100 characters (got " ")\n' });
    expect(tooLong).toEqual({ code: 1, stdout: '', stderr: `fleetchat workspace add: NAME must be text of 1 to 100 characters (got ${shown('w'.repeat(500))})\n` });
    expect(control).toEqual({ code: 1, stdout: '', stderr: 'fleetchat workspace add: NAME must not contain control characters (got "w\\u0001")\n' });
    expect(otherCase).toEqual({ code: 1, stdout: '', stderr: 'fleetchat workspace add: a workspace named "default" already exists (names are unique, whatever the case)\n' });
    expect(hundred.code).toBe(0);
    expect(hundred.stdout).toContain(`created workspace ${longest} `);
  }, 30_000);
});

describe('fleetchat user password', () => {
  /** Login and token checks against the same database and key, as a server would make them. */
  async function withAuth<T>(work: (auth: AuthService) => Promise<T>): Promise<T> {
    const store = await createStore({ databaseUrl: env.DATABASE_URL, sqliteSynchronous: 'NORMAL' } as Settings);
    const coordination = createMemoryCoordination();
    try {
      return await work(new AuthService({ store, signer: new TokenSigner(env.JWT_SECRET, 3600), revocations: coordination.revocations, userCacheMs: 0 }));
    } finally {
      await coordination.close();
      await store.close();
    }
  }

  it('sets the given password, or prints a generated one; tokens issued before stop working', async () => {
    await fleetchat('user', 'add', '--email', 'forgetful@example.test', '--password', password);
    const before = (await fleetchat('token', '--email', 'forgetful@example.test')).stdout.trim();
    const given = await fleetchat('user', 'password', '--email', 'Forgetful@Example.test', '--password', 'chosen-by-the-operator');
    expect(given).toEqual({ code: 0, stdout: 'password of forgetful@example.test set\n', stderr: '' });
    await withAuth(async (auth) => {
      await expect(auth.login('forgetful@example.test', password)).rejects.toThrow('Wrong email or password.');
      expect((await auth.login('forgetful@example.test', 'chosen-by-the-operator')).user.email).toBe('forgetful@example.test');
      await expect(auth.authenticate(before)).rejects.toThrow('The password was changed after this token was issued');
    });

    const generated = await fleetchat('user', 'password', '--email', 'forgetful@example.test');
    expect(generated.code).toBe(0);
    const [, printed] = /^password of forgetful@example\.test set to: (\S{12,})\n$/.exec(generated.stdout) ?? [];
    expect(printed).toBeDefined();
    await withAuth(async (auth) => {
      expect((await auth.login('forgetful@example.test', printed)).user.email).toBe('forgetful@example.test');
    });
  }, 30_000);

  it('refuses a short or empty password and an unknown email, changing nothing', async () => {
    const [short, empty, unknown, missing, sixEmoji] = await Promise.all([
      fleetchat('user', 'password', '--email', 'dev@example.test', '--password', 'short'),
      fleetchat('user', 'password', '--email', 'dev@example.test', '--password', ''),
      fleetchat('user', 'password', '--email', 'nobody@example.test', '--password', 'long-enough-password'),
      fleetchat('user', 'password'),
      // Six characters in twelve UTF-16 units.
      fleetchat('user', 'password', '--email', 'dev@example.test', '--password', '🔑🌊🎲🧭🪐🦊'),
    ]);
    expect(sixEmoji).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user password: The password must have at least 12 characters.\n' });
    expect(short).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user password: The password must have at least 12 characters.\n' });
    expect(empty).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user password: --password is empty; give one of at least 12 characters, or leave --password out to have one generated\n' });
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user password: no user with email nobody@example.test\n' });
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user password: --email is required\n' });
    await withAuth(async (auth) => {
      expect((await auth.login('dev@example.test', password)).user.email).toBe('dev@example.test');
    });
  }, 30_000);
});

describe('fleetchat user list and user role', () => {
  it('lists a workspace\'s users; user role makes one an admin and a member again', async () => {
    await fleetchat('user', 'add', '--email', 'promoted@example.test', '--password', password);
    const promoted = await fleetchat('user', 'role', '--email', 'Promoted@Example.test', '--role', 'admin');
    expect(promoted).toEqual({ code: 0, stdout: 'promoted@example.test is now admin\n', stderr: '' });
    const listed = await fleetchat('user', 'list');
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(rows.find((row) => row[0] === 'promoted@example.test')?.[1]).toBe('admin');
    expect(rows.find((row) => row[0] === 'dev@example.test')?.[1]).toBe('member');
    for (const row of rows) {
      expect(row[2]).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(row[3]).toISOString()).toBe(row[3]);
    }
    expect(listed.stderr).toBe(`${rows.length} user(s) in workspace default\n`);
    expect((await fleetchat('user', 'role', '--email', 'promoted@example.test', '--role', 'member')).stdout).toBe('promoted@example.test is now member\n');
    expect((await fleetchat('user', 'list')).stdout).toContain('promoted@example.test\tmember\t');
  }, 30_000);

  it('refuses a bad role, an unknown email and an unknown workspace', async () => {
    const [role, unknown, workspace] = await Promise.all([
      fleetchat('user', 'role', '--email', 'dev@example.test', '--role', 'owner'),
      fleetchat('user', 'role', '--email', 'nobody@example.test', '--role', 'admin'),
      fleetchat('user', 'list', '--workspace', 'nowhere'),
    ]);
    expect(role).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user role: --role must be admin or member\n' });
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user role: no user with email nobody@example.test\n' });
    expect(workspace).toEqual({ code: 1, stdout: '', stderr: 'fleetchat user list: no workspace named "nowhere"; create it with "fleetchat workspace add nowhere …"\n' });
  }, 30_000);
});
