/**
 * `fleetchat serve` as a user runs it: a real process on a free port, its start-up banner (what
 * it listens on, the store, the fleet, what the router reads, the first admin), a request, then
 * SIGTERM and a clean exit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateEncoder } from '../../src/agents/sentence-encoder.ts';
import { DEFAULT_WORD_VECTORS_PATH } from '../../src/agents/word-vectors-file.ts';
import { createTestSchema, dropTestSchema, reachable, testDatabaseUrl } from '../helpers/stores.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-serve-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

interface Served {
  banner: string;
  url: string;
  /** Sends SIGTERM; resolves with the exit code (or the signal that ended it) and everything the process printed. */
  stop(): Promise<{ code: number | string | null; output: string }>;
}

function serve(name: string, extraEnv: Record<string, string> = {}): Promise<Served> {
  const env = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${path.join(directory, `${name}.db`)}`,
    JWT_SECRET: 'serve-test-secret-that-is-at-least-32-characters',
    FLEETCHAT_CONFIG: '',
    FLEETCHAT_ADMIN_EMAIL: 'owner@example.test',
    FLEETCHAT_ADMIN_PASSWORD: '',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['bin/fleetchat.js', 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${output}`));
    }, 30_000);
    exited.then((code) => {
      clearInterval(poll);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
    const poll = setInterval(() => {
      // The banner is written in one piece, ending with the console line.
      const match = /fleetchat listening on (http:\/\/\S+)[\s\S]*console: .*\n/.exec(output);
      if (!match) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve({
        banner: match[0],
        url: match[1],
        stop: async () => {
          child.kill('SIGTERM');
          return { code: await exited, output };
        },
      });
    }, 20);
  });
}

describe('fleetchat serve', () => {
  it('prints what it runs with, answers, and stops cleanly on SIGTERM', async () => {
    const served = await serve('banner');
    try {
      const lines = served.banner.trim().split('\n');
      expect(lines[0]).toMatch(/^fleetchat listening on http:\/\/127\.0\.0\.1:\d+ \(ready in \d+ ms\)$/);
      expect(served.banner).toMatch(/ {2}store: sqlite \(sqlite:.*banner\.db\), coordination: memory\n/);
      expect(served.banner).toMatch(/ {2}fleet: \d+ agent\(s\) from .+; providers: .*mock/);
      // What the router reads depends on whether the install built the word-vector table.
      if (fs.existsSync(DEFAULT_WORD_VECTORS_PATH)) {
        expect(served.banner).toMatch(/ {2}routing: 50000 word vectors of 100 dimensions from .*glove-100d-50k\.bin\n/);
      } else {
        expect(served.banner).toMatch(/ {2}routing: no word-vector table at .*, lexical features only; build it with `npm run build:vectors`\n/);
      }
      expect(served.banner).toContain('every agent runs on the built-in offline mock provider');
      // No password configured: one is generated and shown once.
      const password = /first start: created admin owner@example\.test with password (\S+) \(shown once/.exec(served.banner)?.[1];
      expect(password).toBeDefined();
      expect(served.banner).toContain(`console: ${served.url}/   API docs: ${served.url}/docs`);

      const login = await fetch(`${served.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'owner@example.test', password }),
      });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { token?: string }).token).toEqual(expect.any(String));
    } finally {
      const { code, output } = await served.stop();
      expect(output).toContain('SIGTERM: finishing running answers');
      expect(code).toBe(0);
    }
  }, 60_000);

  it('says when it listens on every address (HOST=0.0.0.0), with the URL to use from this machine', async () => {
    const served = await serve('wildcard', { HOST: '0.0.0.0', FLEETCHAT_ADMIN_PASSWORD: 'a-long-enough-password' });
    try {
      expect(served.banner.split('\n')[0]).toMatch(/^fleetchat listening on http:\/\/127\.0\.0\.1:\d+ \(ready in \d+ ms\), and on every other address of this machine \(HOST=0\.0\.0\.0\)$/);
      expect((await fetch(`${served.url}/api/health`)).status).toBe(200);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  }, 60_000);

  it('says when routing reads words only (ROUTING_WORD_VECTORS=off)', async () => {
    const served = await serve('lexical', { ROUTING_WORD_VECTORS: 'off', FLEETCHAT_ADMIN_PASSWORD: 'a-long-enough-password' });
    try {
      expect(served.banner).toContain('  routing: word vectors off (ROUTING_WORD_VECTORS=off), lexical features only\n');
      expect(served.banner).toContain('first start: created admin owner@example.test with FLEETCHAT_ADMIN_PASSWORD');
      expect(served.banner).not.toContain('with password');
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  }, 60_000);

  it('says the agents run on the offline mock only when their provider is of type mock, whatever its name', async () => {
    const fleetFile = path.join(directory, 'renamed-mock.yaml');
    fs.writeFileSync(
      fleetFile,
      [
        // Named "mock" but an OpenAI-compatible server: nothing is asked of it at start.
        'providers: { mock: { type: openai, baseUrl: "http://127.0.0.1:1/v1" }, offline: { type: mock } }',
        'agents:',
        '  - { name: General, role: Generalist, model: mock/gpt-4o-mini }',
      ].join('\n'),
    );
    const served = await serve('renamed-mock', { FLEETCHAT_CONFIG: fleetFile, FLEETCHAT_ADMIN_PASSWORD: 'a-long-enough-password' });
    try {
      expect(served.banner).toMatch(/ {2}fleet: 1 agent\(s\) from .*renamed-mock\.yaml; providers: /);
      expect(served.banner).not.toContain('mock provider');
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
    // And the other way round: a provider of type mock under another name is the offline mock.
    fs.writeFileSync(fleetFile, ['providers: { offline: { type: mock } }', 'agents:', '  - { name: General, role: Generalist, model: offline/demo }'].join('\n'));
    const offline = await serve('renamed-mock-2', { FLEETCHAT_CONFIG: fleetFile, FLEETCHAT_ADMIN_PASSWORD: 'a-long-enough-password' });
    try {
      expect(offline.banner).toContain('  models: every agent runs on the built-in offline mock provider');
    } finally {
      expect((await offline.stop()).code).toBe(0);
    }
  }, 60_000);

  it('never prints a user name or any part of a password of DATABASE_URL, even with an @ in the password', async (context) => {
    if (!(await reachable(testDatabaseUrl))) return context.skip(`PostgreSQL is not reachable at ${testDatabaseUrl} (TEST_DATABASE_URL)`);
    const { schema } = await createTestSchema();
    try {
      // The test server, written with its user name and a password holding an "@" (the test server
      // trusts local connections; one that needs its own password gets it, as written).
      const database = new URL(testDatabaseUrl);
      const user = decodeURIComponent(database.username || 'postgres');
      const password = database.password === '' ? 'p@ss' : decodeURIComponent(database.password);
      const url = `postgres://${user}:${password}@${database.host}${database.pathname}?schema=${schema}`;
      const served = await serve('postgres-banner', { DATABASE_URL: url, FLEETCHAT_ADMIN_PASSWORD: 'a-long-enough-password' });
      try {
        expect(served.banner).toContain(`  store: postgres (postgres://***@${database.host}${database.pathname}?schema=${schema}), coordination: memory\n`);
        // Exactly that store line: any leftover of the user name or of the password would show in it.
        expect(served.banner).not.toContain(password);
      } finally {
        expect((await served.stop()).code).toBe(0);
      }
    } finally {
      await dropTestSchema(schema);
    }
  }, 60_000);

  it.skipIf('missing' in locateEncoder())('says when it routes with the sentence encoder, and stops its worker on SIGTERM', async () => {
    const served = await serve('encoder', { ROUTING_MODE: 'encoder', FLEETCHAT_ADMIN_PASSWORD: 'a-long-enough-password' });
    try {
      expect(served.banner).toContain('  routing mode: encoder (the bundled sentence encoder, in a worker thread;');
    } finally {
      // The worker must not keep the process alive once the server has stopped, nor crash it on the way out.
      const stopped = await served.stop();
      expect(stopped.code, stopped.output).toBe(0);
    }
  }, 60_000);
});
