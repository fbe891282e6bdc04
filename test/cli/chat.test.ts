/**
 * `fleetchat chat` as a user runs it: a bad server URL, a server that is not there, and a real
 * `fleetchat serve` on the IPv6 loopback, reached from HOST=::1 and from a ws:// URL.
 */
import fs from 'node:fs';
import http from 'node:http';
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

  it('with a URL and a token, reads no local configuration: a broken fleet file, PORT=abc or a bad DATABASE_URL do not stop it', async () => {
    const port = await closedPort();
    const brokenFleet = path.join(directory, 'broken.yaml');
    fs.writeFileSync(brokenFleet, 'agents: [\n  - name: Nova\n');
    const broken = { FLEETCHAT_CONFIG: brokenFleet, PORT: 'abc', DATABASE_URL: 'mysql://nowhere' };
    const url = `http://127.0.0.1:${port}`;
    const [options, variables, tokenOnly] = await Promise.all([
      chat(['--url', url, '--token', token, 'hi'], broken),
      chat(['hi'], { ...broken, FLEETCHAT_URL: url, FLEETCHAT_TOKEN: token }),
      // Without a URL, HOST and PORT say where the server is: the environment is read, the fleet file still not.
      chat(['--token', token, 'hi'], { FLEETCHAT_CONFIG: brokenFleet, PORT: String(port) }),
    ]);
    const unreachable = (fix: string) => ({ code: 1, stdout: '', stderr: `fleetchat chat: cannot reach the server at ${url} (ECONNREFUSED): check that it is running there, or ${fix}\n` });
    expect(options).toEqual(unreachable('fix --url'));
    expect(variables).toEqual(unreachable('fix FLEETCHAT_URL'));
    expect(tokenOnly).toEqual(unreachable('give its URL with --url or FLEETCHAT_URL (the default is built from HOST and PORT)'));
  }, 30_000);

  it('without a token, signs one from the environment and the local store, never reading the fleet file; says so when a server refuses it', async () => {
    const port = await closedPort();
    const signing = { DATABASE_URL: `sqlite:${path.join(directory, 'signing.db')}` };
    const added = await runCli(['user', 'add', '--email', 'dev@example.test', '--password', 'a-long-enough-password'], { ...env, ...signing });
    expect(added.code, added.stderr).toBe(0);
    const brokenFleet = path.join(directory, 'broken-too.yaml');
    fs.writeFileSync(brokenFleet, 'agents: [\n  - name: Nova\n');
    // A server with other keys, refusing every token as fleetchat does: HTTP 401, also to the WebSocket's upgrade.
    const elsewhere = http.createServer((_request, response) => response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Missing or invalid token"}'));
    elsewhere.on('upgrade', (_request, socket: net.Socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const other = `http://127.0.0.1:${(elsewhere.address() as net.AddressInfo).port}`;
    try {
      // The server is reached only once a token is signed: its absence is the proof of the signature.
      const [signed, unknown, refusedSocket, refusedAgents] = await Promise.all([
        chat(['--url', `http://127.0.0.1:${port}`, '--email', 'dev@example.test', 'hi'], { ...signing, FLEETCHAT_CONFIG: brokenFleet }),
        chat(['--url', `http://127.0.0.1:${port}`, '--email', 'nobody@example.test', 'hi'], signing),
        chat(['--url', other, '--email', 'dev@example.test', 'hi'], signing),
        chat(['--url', other, '--email', 'dev@example.test', '--agent', 'Nova', 'hi'], signing),
      ]);
      expect(signed).toEqual({ code: 1, stdout: '', stderr: `fleetchat chat: cannot reach the server at http://127.0.0.1:${port} (ECONNREFUSED): check that it is running there, or fix --url\n` });
      expect(unknown).toEqual({
        code: 1,
        stdout: '',
        stderr: `fleetchat chat: no user with email nobody@example.test in this machine's database (${signing.DATABASE_URL}) to sign a token for: pass --email, or a token for the server at http://127.0.0.1:${port} with --token or FLEETCHAT_TOKEN\n`,
      });
      const refused = {
        code: 1,
        stdout: '',
        stderr: `fleetchat chat: the server at ${other} refused the token signed here for dev@example.test (HTTP 401): it does not share this machine's JWT key and database; pass one of its own tokens with --token or FLEETCHAT_TOKEN\n`,
      };
      expect(refusedSocket).toEqual(refused);
      expect(refusedAgents).toEqual(refused);
      // A token that was given is the user's to check: the message stays the general one.
      expect((await chat(['--url', other, '--token', token, 'hi'])).stderr).toBe('fleetchat chat: the server refused the connection (HTTP 401); check --token or --url\n');
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  }, 30_000);

  it('without a token and without a local database to sign one from, says a token is needed, and creates nothing', async () => {
    const absent = path.join(directory, 'elsewhere');
    // No JWT_SECRET either: a key would have been generated in the data folder.
    const nothingHere = { DATABASE_URL: `sqlite:${path.join(absent, 'fleetchat.db')}`, JWT_SECRET: '' };
    const needed = (url: string) => ({
      code: 1,
      stdout: '',
      stderr:
        `fleetchat chat: a token is needed for the server at ${url}: pass --token or set FLEETCHAT_TOKEN ("fleetchat token --email E" prints one where the server runs); ` +
        `none can be signed here, as there is no fleetchat database at ${path.join(absent, 'fleetchat.db')} (DATABASE_URL)\n`,
    });
    const [remote, fromVariable, local, inMemory] = await Promise.all([
      chat(['--url', 'https://chat.example.test', 'hi'], nothingHere),
      chat(['--agent', 'Nova', 'hi'], { ...nothingHere, FLEETCHAT_URL: 'ws://10.0.0.7:3000' }),
      chat(['hi'], nothingHere),
      chat(['--url', 'https://chat.example.test', 'hi'], { DATABASE_URL: 'sqlite::memory:' }),
    ]);
    expect(remote).toEqual(needed('https://chat.example.test'));
    expect(fromVariable).toEqual(needed('ws://10.0.0.7:3000'));
    expect(local).toEqual(needed('http://127.0.0.1:3000'));
    expect(inMemory.stderr).toBe(
      'fleetchat chat: a token is needed for the server at https://chat.example.test: pass --token or set FLEETCHAT_TOKEN ("fleetchat token --email E" prints one where the server runs); ' +
        'none can be signed here, as DATABASE_URL is sqlite::memory:, which holds no user\n',
    );
    expect(fs.existsSync(absent)).toBe(false);
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
