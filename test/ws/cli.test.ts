import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { chunksOf, storedAnswer } from './ws-client.ts';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/fleetchat.js');

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { PROVIDER_TIMEOUT_MS: '30000' } });
});
afterAll(async () => {
  await t?.close();
});

interface Run {
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
  /** Resolves once stdout contains `text`. */
  waitForStdout(text: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** `fleetchat chat …` as a child process against the test server. */
function runChat(args: string[], token: string): Run {
  const child = spawn(process.execPath, [bin, 'chat', ...args], {
    env: { ...process.env, ...t.env, FLEETCHAT_URL: t.baseUrl, FLEETCHAT_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    waitForStdout: (text) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (run.stdout.includes(text)) resolve();
        };
        child.stdout.on('data', check);
        child.on('exit', () => reject(new Error(`exited before printing "${text}"; stderr: ${run.stderr}`)));
        check();
      }),
    kill: (signal) => child.kill(signal),
  };
  child.stdout.on('data', (piece) => (run.stdout += piece));
  child.stderr.on('data', (piece) => (run.stderr += piece));
  return run;
}

describe('fleetchat chat', () => {
  it('streams the answer to stdout and exits 0', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: ['Hello ', 'from ', 'the ', 'fleet'], chunkDelayMs: 50 });
    const run = runChat(['--agent', 'Nova', 'hello'], t.adminToken);
    expect(await run.exit).toBe(0);
    expect(run.stdout).toBe('Hello from the fleet\n');
    expect(run.stderr).toContain('Nova');
    expect(run.stderr).toContain('upstream/gpt-test');
  });

  it('Ctrl-C cancels the answer: exit 130, the answer stored incomplete', async () => {
    const member = await t.member();
    t.upstream.queueBehaviors({ kind: 'stream', chunks: chunksOf(100), chunkDelayMs: 100 });
    const closedBefore = t.upstream.closedConnections;
    const run = runChat(['a slow question'], member.token);
    await run.waitForStdout('w1 ');
    run.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stderr).toContain('CANCELLED');
    await t.upstream.waitForClose(closedBefore + 1);
    const history = await t.request('GET', '/api/chat/history?limit=10', { token: member.token });
    const answer = history.body.data.find((message: { role: string }) => message.role === 'assistant');
    const stored = await storedAnswer(t, member.token, answer.sessionId, answer.id);
    expect(stored.status).toBe('incomplete');
    // What the terminal showed is what was kept.
    expect(stored.content).toBe(run.stdout.replace(/\n$/, ''));
  });

  it('a refused message prints nothing on stdout, and one line on stderr', async () => {
    const run = runChat(['--session', '01a25277-5e2f-708a-ac8d-2f4d9a695f1d', 'hello'], t.adminToken);
    expect(await run.exit).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('fleetchat chat: No session found with that ID (SESSION_NOT_FOUND)\n');
  });

  it('a password change mid-answer ends the printed line and says why the server closed', async () => {
    const member = await t.member();
    t.upstream.queueBehaviors({ kind: 'stream', chunks: chunksOf(100), chunkDelayMs: 100 });
    const run = runChat(['a slow question'], member.token);
    await run.waitForStdout('w1 ');
    const changed = await t.request('POST', '/api/auth/password', { token: member.token, body: { currentPassword: 'member-password-123', newPassword: 'a-brand-new-password' } });
    expect(changed.status).toBe(200);
    expect(await run.exit).toBe(1);
    expect(run.stdout).toMatch(/^w0 w1 .*\n$/);
    expect(run.stderr.trim().split('\n').at(-1)).toBe('fleetchat chat: the server ended the connection (password changed): get a new token');
  });

  it('exits 1 with a clear message when the token is refused', async () => {
    const run = runChat(['hello'], 'not-a-token');
    expect(await run.exit).toBe(1);
    expect(run.stderr).toContain('HTTP 401');
    // One message, not a second one from the aborted handshake.
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
