/**
 * The fleet file is the configuration: agents an earlier fleet made (the demo fleet, or an
 * earlier version of the file) that the current one no longer lists are archived at start, said
 * so in one line, and brought back when listed again. Agents made through the API stay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET } from '../helpers/harness.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-fleet-sync-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

const fleetFile = path.join(directory, 'fleet.yaml');
const env = (fleet: string) => ({
  DATABASE_URL: `sqlite:${path.join(directory, 'fleetchat.db')}`,
  FLEETCHAT_CONFIG: fleet,
  FLEETCHAT_ADMIN_EMAIL: ADMIN_EMAIL,
  FLEETCHAT_ADMIN_PASSWORD: ADMIN_PASSWORD,
  JWT_SECRET,
  OPENAI_API_KEY: '',
  ANTHROPIC_API_KEY: '',
});

/** Starts on the shared database with `fleet` ('' = the demo fleet), runs `use`, stops; returns the start's lines. */
async function withServer(fleet: string, use: (call: (method: 'GET' | 'POST', url: string, body?: unknown) => Promise<any>) => Promise<void> = async () => undefined): Promise<string[]> {
  const lines: string[] = [];
  const server = await startServer(loadConfig({ env: env(fleet), cwd: directory }), { listen: false, info: (line) => lines.push(line), warn: (line) => lines.push(`warning: ${line}`) });
  try {
    const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    const token = login.json().token as string;
    await use(async (method, url, body) => {
      const response = await server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: response.statusCode, body: response.json() };
    });
  } finally {
    await server.close();
  }
  return lines;
}

const statuses = async (call: Parameters<Parameters<typeof withServer>[1] & object>[0]) =>
  Object.fromEntries(((await call('GET', '/api/agents?limit=100')).body.data as { name: string; status: string }[]).map((agent) => [agent.name, agent.status]));

describe('fleet sync at start', () => {
  it('archives the agents the fleet no longer lists, leaves API agents alone, and brings agents back when listed again', async () => {
    // First start without a file: the demo fleet, plus an agent made through the API.
    const first = await withServer('', async (call) => {
      const made = await call('POST', '/api/agents', { name: 'Handmade', role: 'Helper', description: 'Made through the API', soul: 'You help.', config: { model: { default: 'mock/fleet-demo' } } });
      expect(made.status).toBe(201);
      expect(await statuses(call)).toEqual({ Aria: 'online', Nova: 'online', Ledger: 'online', Sentinel: 'online', Handmade: 'online' });
    });
    expect(first.filter((line) => line.includes('archived'))).toEqual([]);

    // Then a file with two agents of its own: the demo agents leave, the API agent stays.
    fs.writeFileSync(
      fleetFile,
      [
        'defaultAgent: Helper',
        'agents:',
        '  - { name: Helper, role: Helper, description: General help, soul: You help., model: { default: mock/fleet-demo } }',
        '  - { name: Coder, role: Developer, description: Writes and reviews code, soul: You code., model: { default: mock/fleet-demo }, routing: { examples: [review this pull request] } }',
      ].join('\n'),
    );
    const second = await withServer(fleetFile, async (call) => {
      expect(await statuses(call)).toEqual({ Aria: 'archived', Nova: 'archived', Ledger: 'archived', Sentinel: 'archived', Handmade: 'online', Helper: 'online', Coder: 'online' });
      // The demo's finance agent no longer answers, whether named or routed to.
      const routed = await call('POST', '/api/chat/route', { message: 'please check this invoice' });
      expect(routed.status).toBe(200);
      expect(routed.body.agentName).not.toBe('Ledger');
    });
    expect(second.filter((line) => line.includes('archived'))).toEqual([
      `fleet: archived 4 agent(s) that ${fleetFile} no longer lists: Aria, Nova, Ledger, Sentinel (their history stays readable; list them again to bring them back)`,
    ]);

    // A renamed agent: the old name is archived, the new one created.
    fs.writeFileSync(fleetFile, fs.readFileSync(fleetFile, 'utf8').replace('name: Coder', 'name: Developer'));
    const third = await withServer(fleetFile, async (call) => {
      expect(await statuses(call)).toMatchObject({ Coder: 'archived', Developer: 'online', Helper: 'online', Handmade: 'online' });
    });
    expect(third.filter((line) => line.includes('archived'))).toEqual([
      `fleet: archived 1 agent(s) that ${fleetFile} no longer lists: Coder (their history stays readable; list them again to bring them back)`,
    ]);

    // Back to the demo fleet: its agents return, the file's leave.
    const fourth = await withServer('', async (call) => {
      expect(await statuses(call)).toEqual({
        Aria: 'online', Nova: 'online', Ledger: 'online', Sentinel: 'online', Handmade: 'online', Helper: 'archived', Coder: 'archived', Developer: 'archived',
      });
    });
    expect(fourth.filter((line) => line.includes('archived'))).toEqual([
      'fleet: archived 2 agent(s) that the built-in demo fleet no longer lists: Helper, Developer (their history stays readable; list them again to bring them back)',
    ]);
  }, 60_000);
});
