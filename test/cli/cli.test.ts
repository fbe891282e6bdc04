import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateEncoder } from '../../src/agents/sentence-encoder.ts';
import { DEFAULT_WORD_VECTORS_PATH } from '../../src/agents/word-vectors-file.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.ts';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from '../routing/fake-provider.ts';

const run = promisify(execFile);
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-cli-'));
const env = { ...process.env, DATABASE_URL: `sqlite:${path.join(directory, 'fleetchat.db')}`, JWT_SECRET: 'cli-test-secret-that-is-at-least-32-characters', FLEETCHAT_CONFIG: '' };

async function fleetchat(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/fleetchat.js', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('fleetchat CLI', () => {
  it('lists the commands, and each has --help', async () => {
    const overview = await fleetchat('--help');
    expect(overview.code).toBe(0);
    for (const command of ['serve', 'migrate', 'user add', 'workspace add', 'token', 'chat', 'route']) expect(overview.stdout).toContain(command);
    const help = await fleetchat('user', 'add', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--email');
  }, 60_000);

  it('a command without options lists --help right under "Options:", without a blank line', async () => {
    for (const command of ['serve', 'migrate']) {
      const help = await fleetchat(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/\nOptions:\n {2}--help +show this help\n?$/);
    }
    expect((await fleetchat('token', '--help')).stdout).toMatch(/\nOptions:\n {2}--email <value> +the user's email\n {2}--ttl /);
  }, 60_000);

  it('refuses bad input with one line and a non-zero exit', async () => {
    const unknown = await fleetchat('frobnicate');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await fleetchat('user', 'add', '--email', 'x@example.test');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('--password is required');
    const badEnv = await run(process.execPath, ['bin/fleetchat.js', 'migrate'], { env: { ...env, PORT: 'abc' } }).catch((error) => error);
    expect(badEnv.code).not.toBe(0);
    expect(badEnv.stderr).toContain('PORT must be an integer');
  }, 60_000);

  it('says what to do when the port is taken or PostgreSQL or Redis cannot be reached', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const serve = await run(process.execPath, ['bin/fleetchat.js', 'serve'], { env: { ...env, PORT: String(port) }, timeout: 30_000 }).catch((error) => error);
      expect(serve.code).toBe(1);
      expect(serve.stderr).toContain(`fleetchat serve: port ${port} on 127.0.0.1 is already in use (another fleetchat, or another program): stop it, or set PORT to a free port`);
    } finally {
      taken.close();
    }
    // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    const postgres = await run(process.execPath, ['bin/fleetchat.js', 'migrate'], { env: { ...env, DATABASE_URL: 'postgres://fleet:secret@127.0.0.1:1/fleet' }, timeout: 30_000 }).catch((error) => error);
    expect(postgres.code).toBe(1);
    expect(postgres.stderr.trim()).toBe('fleetchat migrate: cannot reach PostgreSQL at 127.0.0.1:1/fleet (ECONNREFUSED): start it, or fix DATABASE_URL');
    const redis = await run(process.execPath, ['bin/fleetchat.js', 'serve'], { env: { ...env, REDIS_URL: 'redis://127.0.0.1:1', PORT: '0' }, timeout: 30_000 }).catch((error) => error);
    expect(redis.code).toBe(1);
    expect(redis.stderr).toContain('fleetchat serve: cannot reach Redis at 127.0.0.1:1: start it, or fix REDIS_URL');
  }, 90_000);

  it('migrates, adds a workspace and a user, and prints a token for them', async () => {
    expect((await fleetchat('migrate')).stdout).toContain('schema is up to date');
    const workspace = await fleetchat('workspace', 'add', 'acme', '--admin-email', 'boss@acme.test', '--admin-password', 'acme-password-123');
    expect(workspace.code).toBe(0);
    const user = await fleetchat('user', 'add', '--email', 'dev@acme.test', '--password', 'dev-password-1234', '--workspace', 'acme');
    expect(user.stdout).toContain('created member dev@acme.test');
    const duplicate = await fleetchat('user', 'add', '--email', 'dev@acme.test', '--password', 'dev-password-1234', '--workspace', 'acme');
    expect(duplicate.code).not.toBe(0);
    const token = await fleetchat('token', '--email', 'dev@acme.test', '--ttl', '5m');
    expect(token.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.stdout.trim().split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(300);
  }, 90_000);

  it('shows where a message would be routed, with the top candidates', async () => {
    const routed = await fleetchat('route', 'which invoices are still unpaid this quarter?');
    expect(routed.code).toBe(0);
    expect(routed.stdout).toMatch(/agent:\s+Ledger/);
    expect(routed.stdout).toContain('strategy:   relevance');
    expect(routed.stdout).toMatch(/1\.\s+0\.\d+\s+Ledger/);
    // npm install builds the word-vector table; the CLI says whether the router reads it.
    expect(routed.stdout).toContain(fs.existsSync(DEFAULT_WORD_VECTORS_PATH) ? 'features:   words and word vectors' : 'features:   words only');
  }, 60_000);

  it.skipIf('missing' in locateEncoder())('routes with the sentence encoder when routing.mode is encoder', async () => {
    const message = 'i need reimbursement for my taxi';
    const { stdout } = await run(process.execPath, ['bin/fleetchat.js', 'route', message], { env: { ...env, ROUTING_MODE: 'encoder' }, timeout: 60_000 });
    expect(stdout).toMatch(/agent:\s+Ledger/);
    expect(stdout).toContain('strategy:   relevance');
    expect(stdout).toContain('blended with the bundled sentence encoder (routing.mode encoder)');
  }, 60_000);
});

describe('fleetchat route in the modes that ask a provider', () => {
  // Real local servers speaking the OpenAI protocol: /embeddings, and chat completions for llm mode.
  let embeddings: FakeEmbeddingsServer;
  let chat: FakeOpenAI;
  const travelId = '01a2367f-0000-7000-8000-000000000001';
  const routeWith = async (routing: string, message: string) => {
    const file = path.join(directory, `fleet-${routing.split(/\s/)[1]}.yaml`);
    fs.writeFileSync(
      file,
      [
        'providers:',
        `  embed: { type: openai, baseUrl: "${embeddings.baseUrl}", apiKey: none }`,
        `  chat: { type: openai, baseUrl: "${chat.url}", apiKey: none }`,
        'defaultAgent: General',
        `routing: { ${routing} }`,
        'agents:',
        '  - { name: General, role: Generalist, description: Anything else, model: mock/demo }',
        `  - { id: ${travelId}, name: Travel, role: Travel desk, description: Flights hotels and trips, model: mock/demo,`,
        '      routing: { examples: ["book a flight to rome", "find me a hotel in paris", "is my train on time"] } }',
        '  - { name: Ledger, role: Accountant, description: Invoices payments and budgets, model: mock/demo,',
        '      routing: { examples: ["which invoices are unpaid", "pay the supplier invoice", "how much is left in the budget"] } }',
      ].join('\n'),
    );
    const database = `sqlite:${path.join(directory, `route-${routing.split(/\s/)[1]}.db`)}`;
    const { stdout } = await run(process.execPath, ['bin/fleetchat.js', 'route', message], { env: { ...env, DATABASE_URL: database, FLEETCHAT_CONFIG: file }, timeout: 60_000 });
    return stdout;
  };
  beforeAll(async () => {
    embeddings = await startFakeEmbeddingsServer();
    chat = await startFakeOpenAI();
  });
  afterAll(async () => {
    await embeddings.close();
    await chat.close();
  });

  it('embeddings: asks the provider for the vectors and says it blended them; says so when the call fails', async () => {
    embeddings.behaviour = 'ok';
    const blended = await routeWith('mode: embeddings, embeddingsModel: embed/fake-embed', 'which invoices are still unpaid this quarter?');
    expect(blended).toMatch(/agent:\s+Ledger/);
    expect(blended).toContain('blended with embed/fake-embed embeddings (routing.mode embeddings)');
    const asked = embeddings.requests.flat();
    expect(asked).toContain('which invoices are still unpaid this quarter?');
    expect(asked).toContain('book a flight to rome');
    embeddings.behaviour = 'error-500';
    const failed = await routeWith('mode: embeddings, embeddingsModel: embed/fake-embed', 'which invoices are still unpaid this quarter?');
    expect(failed).toMatch(/agent:\s+Ledger/);
    expect(failed).toMatch(/words( and word vectors)? only: the embeddings of embed\/fake-embed failed \(.*500/);
  }, 60_000);

  it('llm: the model chooses when the words are unsure, and a bad answer leaves the words\' decision', async () => {
    const unsure = 'something about my upcoming thing';
    chat.setBehavior(() => ({ kind: 'stream', chunks: [`{"agentId": "${travelId}", "confidence": 0.9}`] }));
    const chosen = await routeWith('mode: llm, llmModel: chat/fake-chat', unsure);
    expect(chosen).toMatch(/agent:\s+Travel/);
    expect(chosen).toContain('chat/fake-chat chooses when they are unsure (routing.mode llm)');
    expect(JSON.stringify(chat.requests.at(-1)?.body)).toContain(travelId);
    chat.setBehavior(() => ({ kind: 'stream', chunks: ['Travel, I think'] }));
    const failed = await routeWith('mode: llm, llmModel: chat/fake-chat', unsure);
    expect(failed).toMatch(/agent:\s+General/);
    expect(failed).toContain('only: chat/fake-chat failed');
  }, 60_000);
});
