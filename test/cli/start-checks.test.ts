/**
 * What a start checks in the store. The default workspace always gets an admin from
 * FLEETCHAT_ADMIN_EMAIL: on the first start, and also when users were added with `fleetchat user
 * add` before it (the workspace had members but no admin, and none was ever created), or when
 * every admin was deleted. A workspace without an online agent is said at start, not discovered
 * by the first message.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config/index.ts';
import { startServerProcess } from '../helpers/server-process.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-start-checks-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

const BOSS = 'boss@example.test';
const MEMBER = 'member@example.test';
const env = (name: string, adminEmail = BOSS) => ({
  DATABASE_URL: `sqlite:${path.join(directory, `${name}.db`)}`,
  FLEETCHAT_CONFIG: '',
  FLEETCHAT_ADMIN_EMAIL: adminEmail,
  FLEETCHAT_ADMIN_PASSWORD: 'the-boss-password',
  JWT_SECRET: 'j'.repeat(40),
  OPENAI_API_KEY: '',
  ANTHROPIC_API_KEY: '',
  LOG_LEVEL: 'silent',
});

function addMember(name: string) {
  const result = spawnSync(process.execPath, ['bin/fleetchat.js', 'user', 'add', '--email', MEMBER, '--password', 'member-password-123'], {
    env: { ...process.env, ...env(name) },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
}

async function start(name: string, adminEmail?: string) {
  const warnings: string[] = [];
  const server = await startServer(loadConfig({ env: env(name, adminEmail), cwd: directory }), { listen: false, warn: (line) => warnings.push(line), info: () => undefined });
  const login = async (email: string, password: string) => {
    const response = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
    return { status: response.statusCode, role: response.json().user?.role as string | undefined };
  };
  return { server, warnings, login };
}

describe('the default workspace admin', () => {
  it('is created when `user add` came before the first start, and only once', async () => {
    addMember('members-first');
    const first = await start('members-first');
    try {
      expect(first.server.admin).toEqual({ email: BOSS, firstStart: false });
      expect(await first.login(BOSS, 'the-boss-password')).toEqual({ status: 200, role: 'admin' });
      expect(await first.login(MEMBER, 'member-password-123')).toEqual({ status: 200, role: 'member' });
    } finally {
      await first.server.close();
    }
    const again = await start('members-first');
    try {
      expect(again.server.admin).toBeUndefined();
      expect(again.warnings).toEqual([]);
    } finally {
      await again.server.close();
    }
  });

  it('is announced by the serve banner, which says why it was created', async () => {
    addMember('banner');
    const served = await startServerProcess({ ...env('banner'), PORT: '0', HOST: '127.0.0.1', FLEETCHAT_ADMIN_PASSWORD: '' });
    const banner = served.output();
    expect(await served.stop()).toBe(0);
    expect(banner).toMatch(/\n {2}workspace "default" had no admin: created admin boss@example\.test with password \S+ \(shown once: note it, or change it with POST \/api\/auth\/password or fleetchat user password\)\n/);
  }, 30_000);

  it('is not made of a member: when FLEETCHAT_ADMIN_EMAIL is a member, the start says what to do', async () => {
    addMember('member-named');
    const started = await start('member-named', MEMBER);
    try {
      expect(started.server.admin).toBeUndefined();
      expect(started.warnings).toEqual([
        `workspace "default" has no admin, and FLEETCHAT_ADMIN_EMAIL (${MEMBER}) is already the email of a user who is not its admin: set FLEETCHAT_ADMIN_EMAIL to a new address to have an admin created at the next start`,
      ]);
      expect(await started.login(MEMBER, 'member-password-123')).toEqual({ status: 200, role: 'member' });
    } finally {
      await started.server.close();
    }
  });

  it('is created on the first start of an empty store', async () => {
    const started = await start('empty');
    try {
      expect(started.server.admin).toEqual({ email: BOSS, firstStart: true });
    } finally {
      await started.server.close();
    }
  });
});

describe('a start without an online agent', () => {
  it('warns that messages are refused until an agent is listed or created', async () => {
    const fleetFile = path.join(directory, 'offline.yaml');
    fs.writeFileSync(fleetFile, 'defaultAgent: Sleepy\nagents:\n  - { name: Sleepy, role: Helper, description: Sleeps, soul: You sleep., status: offline, model: { default: mock/fleet-demo } }\n');
    const warnings: string[] = [];
    const server = await startServer(loadConfig({ env: { ...env('offline'), FLEETCHAT_CONFIG: fleetFile }, cwd: directory }), { listen: false, warn: (line) => warnings.push(line), info: () => undefined });
    await server.close();
    expect(warnings).toEqual([
      `workspace "default" has no online agent: its messages are refused (404 AGENT_NOT_FOUND) until one is listed in the fleet file (${fleetFile}) or created with POST /api/agents`,
    ]);
  });
});
