/**
 * A command reads only the settings it uses. The fleet file is read by the commands that sync or
 * route with the fleet (serve, route): a broken one stops them, with the configuration's own
 * message, and no other command. Only serve connects to Redis: the others run no chat turn and
 * delete no user, so they have nothing to agree on with other instances. (`chat` is in chat.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createTestSchema, dropTestSchema, reachable, testDatabaseUrl } from '../helpers/stores.ts';
import { runCli } from './run-cli.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-reads-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
const postgresAvailable = await reachable(testDatabaseUrl);
if (!postgresAvailable) console.warn(`route on PostgreSQL skipped: PostgreSQL not reachable at ${testDatabaseUrl}`);

// A list that is never closed: not valid YAML.
const brokenFleet = path.join(directory, 'broken.yaml');
fs.writeFileSync(brokenFleet, 'agents: [\n  - name: Nova\n');
const password = 'a-long-enough-password';
const env = (name: string, extra: Record<string, string> = {}) => ({
  DATABASE_URL: `sqlite:${path.join(directory, `${name}.db`)}`,
  JWT_SECRET: 'reads-test-secret-that-is-at-least-32-characters',
  PORT: '0',
  LOG_LEVEL: 'silent',
  ...extra,
});

/** migrate, workspace add, user add, then a token for that user: one after the other, as an operator would. */
async function accountCommands(environment: Record<string, string>) {
  const migrate = await runCli(['migrate'], environment);
  const workspace = await runCli(['workspace', 'add', 'acme', '--admin-email', 'boss@acme.test', '--admin-password', password], environment);
  const user = await runCli(['user', 'add', '--email', 'dev@acme.test', '--password', password, '--workspace', 'acme'], environment);
  const token = await runCli(['token', '--email', 'dev@acme.test'], environment);
  return { migrate, workspace, user, token };
}

function expectAccountCommandsWorked(results: Awaited<ReturnType<typeof accountCommands>>) {
  for (const [name, result] of Object.entries(results)) expect(result.code, `${name}: ${result.stderr}`).toBe(0);
  expect(results.migrate.stdout).toBe('sqlite schema is up to date\n');
  expect(results.workspace.stdout).toMatch(/^created workspace acme \(\S+\) with admin boss@acme\.test\n$/);
  expect(results.user.stdout).toMatch(/^created member dev@acme\.test \(\S+\) in workspace acme\n$/);
  expect(results.token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
}

describe('commands read the fleet file only when they use the fleet', () => {
  it('migrate, workspace add, user add and token work beside a broken fleet file', async () => {
    const results = await accountCommands(env('broken-fleet', { FLEETCHAT_CONFIG: brokenFleet }));
    expectAccountCommandsWorked(results);
    for (const result of Object.values(results)) expect(result.stderr).toBe('');
  }, 30_000);

  it('serve and route still refuse a broken fleet file, with the configuration\'s message', async () => {
    let refusal = '';
    try {
      loadConfig({ env: { FLEETCHAT_CONFIG: brokenFleet }, cwd: process.cwd() });
    } catch (error) {
      refusal = (error as Error).message;
    }
    expect(refusal).toContain('is not valid YAML');
    const environment = env('refused', { FLEETCHAT_CONFIG: brokenFleet });
    const [serve, route] = await Promise.all([runCli(['serve'], environment, 15_000), runCli(['route', 'hello'], environment, 15_000)]);
    expect(serve).toEqual({ code: 1, stdout: '', stderr: `fleetchat serve: ${refusal}\n` });
    expect(route).toEqual({ code: 1, stdout: '', stderr: `fleetchat route: ${refusal}\n` });
  }, 30_000);
});

describe('commands connect to Redis only to serve', () => {
  it('migrate, workspace add, user add, token and route work while REDIS_URL cannot be reached', async () => {
    // Port 1 on the loopback: nothing listens there. A client that tried would retry, then fail.
    const environment = env('no-redis', { REDIS_URL: 'redis://127.0.0.1:1' });
    const results = await accountCommands(environment);
    const route = await runCli(['route', 'which invoices are still unpaid this quarter?'], environment);
    expectAccountCommandsWorked(results);
    expect(route.code, route.stderr).toBe(0);
    expect(route.stdout).toMatch(/agent:\s+Ledger/);
  }, 30_000);
});

describe('route needs no JWT key: it signs and verifies no token', () => {
  it('on SQLite, without JWT_SECRET, it writes no key file and warns of none', async () => {
    const dataDir = path.join(directory, 'route-data');
    const route = await runCli(['route', 'which invoices are still unpaid this quarter?'], env('route-no-key', { JWT_SECRET: '', DATA_DIR: dataDir }));
    expect(route.code, route.stderr).toBe(0);
    expect(route.stderr).toBe('');
    expect(route.stdout).toMatch(/agent:\s+Ledger/);
    expect(fs.existsSync(path.join(dataDir, 'jwt-secret'))).toBe(false);
  }, 30_000);

  it.skipIf(!postgresAvailable)('on PostgreSQL, without JWT_SECRET (which serve requires there)', async () => {
    const { schema, databaseUrl } = await createTestSchema();
    try {
      const route = await runCli(['route', 'which invoices are still unpaid this quarter?'], { ...env('unused'), DATABASE_URL: databaseUrl, JWT_SECRET: '' });
      expect(route.code, route.stderr).toBe(0);
      expect(route.stdout).toMatch(/agent:\s+Ledger/);
    } finally {
      await dropTestSchema(schema);
    }
  }, 30_000);
});
