/**
 * `fleetchat chat` as a user runs it: a bad server URL, a server that is not there, and a real
 * `fleetchat serve` on the IPv6 loopback, reached from HOST=::1 and from a ws:// URL.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../helpers/server-process.ts';
import { runCli } from './run-cli.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-chat-'));
const databaseFile = path.join(directory, 'fleetchat.db');
const env = {
  DATABASE_URL: `sqlite:${databaseFile}`,
  JWT_SECRET: 'chat-test-secret-that-is-at-least-32-characters',
  FLEETCHAT_ADMIN_EMAIL: 'owner@example.test',
  FLEETCHAT_ADMIN_PASSWORD: 'a-long-enough-password',
  HOST: '127.0.0.1',
  PORT: '3000',
};
// Shaped like a JWT, so that a message that printed it would be seen.
const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1wcmludGVk';
const chat = (args: string[], extraEnv: Record<string, string> = {}) => runCli(['chat', ...args], { ...env, ...extraEnv });

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('fleetchat chat', () => {
  it('refuses a server URL that is not http(s) or ws(s) before anything else, naming --url or FLEETCHAT_URL, and never prints the token', async () => {
    const accepted = 'must be an http://, https://, ws:// or wss:// URL such as http://127.0.0.1:3000';
    const [noScheme, notUrl, ftp, fromEnvironment] = await Promise.all([
      chat(['--url', '127.0.0.1:39871', '--token', token, 'hi']),
      chat(['--url', 'not a url', 'hi'], { FLEETCHAT_TOKEN: token }),
      chat(['--url', 'ftp://files.example.test', '--token', token, '--agent', 'Nova', 'hi']),
      // No token: the URL is checked before one is signed (which would open the database).
      chat(['hi'], { FLEETCHAT_URL: 'not a url' }),
    ]);
    expect(noScheme).toEqual({ code: 1, stdout: '', stderr: `fleetchat chat: --url ${accepted} (got "127.0.0.1:39871"; did you mean http://127.0.0.1:39871?)\n` });
    expect(notUrl).toEqual({ code: 1, stdout: '', stderr: `fleetchat chat: --url ${accepted} (got "not a url")\n` });
    expect(ftp).toEqual({ code: 1, stdout: '', stderr: `fleetchat chat: --url ${accepted} (got "ftp://files.example.test")\n` });
    expect(fromEnvironment).toEqual({ code: 1, stdout: '', stderr: `fleetchat chat: FLEETCHAT_URL ${accepted} (got "not a url")\n` });
    expect(fs.existsSync(databaseFile)).toBe(false);
  }, 30_000);

  it('says which URL it could not reach, the same way with --agent or without, over http:// or ws://', async () => {
    const port = await closedPort();
    const [agentHttp, agentWs, socketOnly, fromEnvironment, fromHostAndPort] = await Promise.all([
      chat(['--url', `http://127.0.0.1:${port}`, '--token', token, '--agent', 'Nova', 'hi']),
      chat(['--url', `ws://127.0.0.1:${port}/`, '--token', token, '--agent', 'Nova', 'hi']),
      chat(['--url', `ws://127.0.0.1:${port}`, '--token', token, 'hi']),
      chat(['--agent', 'Nova', 'hi'], { FLEETCHAT_URL: `http://127.0.0.1:${port}`, FLEETCHAT_TOKEN: token }),
      // An empty variable counts as unset, as everywhere else.
      chat(['--token', token, 'hi'], { PORT: String(port), FLEETCHAT_URL: '' }),
    ]);
    const unreachable = (url: string, fix: string) => ({
      code: 1,
      stdout: '',
      stderr: `fleetchat chat: cannot reach the server at ${url} (ECONNREFUSED): check that it is running there, or ${fix}\n`,
    });
    expect(agentHttp).toEqual(unreachable(`http://127.0.0.1:${port}`, 'fix --url'));
    expect(agentWs).toEqual(unreachable(`ws://127.0.0.1:${port}`, 'fix --url'));
    expect(socketOnly).toEqual(unreachable(`ws://127.0.0.1:${port}`, 'fix --url'));
    expect(fromEnvironment).toEqual(unreachable(`http://127.0.0.1:${port}`, 'fix FLEETCHAT_URL'));
    expect(fromHostAndPort).toEqual(unreachable(`http://127.0.0.1:${port}`, 'give its URL with --url or FLEETCHAT_URL (the default is built from HOST and PORT)'));
  }, 30_000);

  it('reaches a server on the IPv6 loopback from HOST=::1, and names an agent over a ws:// URL', async () => {
    const server = await startServerProcess({ ...env, HOST: '::1', PORT: '0', LOG_LEVEL: 'warn' });
    try {
      expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      const port = new URL(server.url).port;
      const [routed, named] = await Promise.all([
        // No --url, no token: the URL is built from HOST and PORT, the token signed for the admin.
        chat(['which invoices are still unpaid this quarter?'], { HOST: '::1', PORT: port }),
        chat(['--url', `ws://[::1]:${port}`, '--agent', 'nova', 'hello'], { HOST: '::1', PORT: port }),
      ]);
      expect(routed.code, routed.stderr).toBe(0);
      expect(routed.stderr).toMatch(/^Ledger \(relevance\) · session \S+\n\[mock\/\S+ · \d+ in \/ \d+ out · \d+ ms\]\n$/);
      expect(routed.stdout.trim()).not.toBe('');
      expect(named.code, named.stderr).toBe(0);
      expect(named.stderr).toMatch(/^Nova \(\w+\) · session \S+\n/);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
