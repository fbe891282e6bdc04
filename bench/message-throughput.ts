/**
 * POST /api/chat/message against a bare Fastify JSON echo, in one run (issues 2 and 5).
 *
 *   node --import tsx bench/message-throughput.ts [--duration 15] [--warmup 3] [--connections 50]
 *        [--store sqlite|postgres] [--instances 1|2] [--synchronous NORMAL|FULL]
 *        [--sequential 2000] [--log-level info] [--profile-dir DIR]
 *
 * Environment fallbacks: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_POSTGRES_URL,
 * BENCH_REDIS_URL. Each server runs in its own child process; autocannon runs in this one.
 *
 * fleetchat runs the demo fleet (built-in mock provider, no delay), every request names its
 * agent (`agentId`) and sends no `sessionId`, so each request opens a new session: no request
 * waits for another's answer, as it would within one session.
 *
 * --store postgres uses a fresh schema of BENCH_POSTGRES_URL (dropped at the end).
 * --instances 2 (PostgreSQL + Redis) measures one instance, then two instances with autocannon
 * spreading its connections over both ports, and reports the ratio.
 * --profile-dir DIR runs each fleetchat process with --cpu-prof and leaves its profile in DIR.
 */
import { parseArgs } from 'node:util';
import { runLoad, runSequential, type LoadFigures, type SequentialFigures } from './support/http-load.ts';
import { createBenchSchema, defaultPostgresUrl, type BenchSchema } from './support/postgres-schema.ts';
import { describeMachine, printMachine, printTable, printTargets, round, writeResult } from './support/report.ts';
import {
  agentIdByName,
  freePort,
  login,
  makeTemporaryFolder,
  removeFolder,
  spawnFleetchat,
  spawnSupportScript,
  waitUntilHealthy,
  type ChildServer,
} from './support/server-process.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '15' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '3' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '50' },
    store: { type: 'string', default: 'sqlite' },
    instances: { type: 'string', default: '1' },
    synchronous: { type: 'string', default: 'NORMAL' },
    sequential: { type: 'string', default: '2000' },
    'log-level': { type: 'string', default: 'info' },
    'profile-dir': { type: 'string' },
  },
});

const durationSeconds = Number(values.duration);
const warmupSeconds = Number(values.warmup);
const connections = Number(values.connections);
const sequentialCount = Number(values.sequential);
const instances = Number(values.instances);
const store = instances > 1 ? 'postgres' : values.store;
const synchronous = values.synchronous.toUpperCase();
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? defaultPostgresUrl;
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
if (![durationSeconds, warmupSeconds, connections, sequentialCount].every((value) => Number.isFinite(value) && value >= 0) || connections < 1) {
  throw new Error('--duration, --warmup, --connections and --sequential take non-negative numbers (connections ≥ 1)');
}
if (store !== 'sqlite' && store !== 'postgres') throw new Error('--store is sqlite or postgres');
if (instances !== 1 && instances !== 2) throw new Error('--instances is 1 or 2');

const message = 'Hello! What can you help me with today?';

interface Phase {
  label: string;
  load: LoadFigures;
  sequential?: SequentialFigures;
}

async function measure(label: string, urls: string[], body: string, headers: Record<string, string>): Promise<Phase> {
  if (warmupSeconds > 0) await runLoad({ urls, connections, durationSeconds: warmupSeconds, body, headers });
  const load = await runLoad({ urls, connections, durationSeconds, body, headers });
  // One connection, one request at a time, after the load: the latency a lone client sees.
  const sequential = sequentialCount > 0 ? await runSequential(urls[0], { count: sequentialCount, body, headers }) : undefined;
  console.log(`  ${label}: ${load.requestsPerSecond} requests/s, p50 ${load.latencyP50Ms} ms, p99 ${load.latencyP99Ms} ms, statuses ${JSON.stringify(load.statusCodes)}`);
  return { label, load, sequential };
}

async function measureEcho(): Promise<Phase> {
  const folder = makeTemporaryFolder('echo');
  const port = await freePort();
  const server = spawnSupportScript('echo-server.ts', { port, folder });
  try {
    await waitUntilHealthy(server);
    return await measure('bare Fastify echo', [`${server.url}/echo`], JSON.stringify({ message, agentId: '00000000-0000-7000-8000-000000000000' }), {});
  } finally {
    await server.stop();
    removeFolder(folder);
  }
}

async function measureFleetchat(instanceCount: number): Promise<Phase> {
  const folder = makeTemporaryFolder('message');
  let schema: BenchSchema | undefined;
  const servers: ChildServer[] = [];
  try {
    const env: Record<string, string> = { LOG_LEVEL: values['log-level'], SQLITE_SYNCHRONOUS: synchronous };
    if (store === 'postgres') {
      schema = await createBenchSchema(postgresUrl, 'message');
      env.DATABASE_URL = schema.databaseUrl;
    } else {
      env.DATABASE_URL = `sqlite:${folder}/fleetchat.db`;
    }
    if (values.instances === '2') env.REDIS_URL = redisUrl;
    // One after the other: the first one migrates the schema and creates the admin.
    for (let index = 0; index < instanceCount; index += 1) {
      const server = spawnFleetchat({ env, port: await freePort(), folder, logName: `server-${index + 1}.log`, profileDir: values['profile-dir'] });
      servers.push(server);
      await waitUntilHealthy(server);
    }
    const token = await login(servers[0].url);
    const agentId = await agentIdByName(servers[0].url, token, 'Aria');
    const label = `fleetchat ${store}${store === 'sqlite' ? ` (${synchronous})` : ''}, ${instanceCount} instance${instanceCount > 1 ? 's' : ''}`;
    return await measure(label, servers.map((server) => `${server.url}/api/chat/message`), JSON.stringify({ message, agentId }), {
      authorization: `Bearer ${token}`,
    });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    removeFolder(folder);
    if (values['profile-dir']) console.log(`  CPU profiles (.cpuprofile) in ${values['profile-dir']}`);
    await schema?.drop();
  }
}

const machine = describeMachine();
printMachine(machine);
console.log(
  `${connections} connections, ${warmupSeconds} s warm-up + ${durationSeconds} s per server; then ${sequentialCount} sequential requests on one connection`,
);

const echo = await measureEcho();
const fleetchatPhases: Phase[] = [];
for (const count of instances === 2 ? [1, 2] : [1]) fleetchatPhases.push(await measureFleetchat(count));

const single = fleetchatPhases[0];
const ratio = single.load.requestsPerSecond / echo.load.requestsPerSecond;
const addedLoadedP50 = single.load.latencyP50Ms - echo.load.latencyP50Ms;
const addedSequentialP50 = single.sequential && echo.sequential ? single.sequential.p50Ms - echo.sequential.p50Ms : undefined;

console.log('');
printTable(
  ['server', 'requests/s', 'p50 ms', 'p99 ms', 'errors+non2xx', '1-conn p50 ms', '1-conn p99 ms'],
  [echo, ...fleetchatPhases].map((phase) => [
    phase.label,
    phase.load.requestsPerSecond,
    phase.load.latencyP50Ms,
    phase.load.latencyP99Ms,
    phase.load.errors + phase.load.timeouts + phase.load.non2xx,
    phase.sequential?.p50Ms ?? '-',
    phase.sequential?.p99Ms ?? '-',
  ]),
);
console.log('');
const checks = [
  { target: 'throughput ≥ 50 % of the echo', measured: `${round(ratio * 100, 1)} %`, met: ratio >= 0.5 },
  { target: `added p50 ≤ 1 ms (under load, ${connections} connections)`, measured: `${round(addedLoadedP50, 2)} ms`, met: addedLoadedP50 <= 1 },
];
if (addedSequentialP50 !== undefined) {
  checks.push({ target: 'added p50 ≤ 1 ms (one connection, no queueing)', measured: `${round(addedSequentialP50, 3)} ms`, met: addedSequentialP50 <= 1 });
}
const failed = fleetchatPhases.reduce((sum, phase) => sum + phase.load.errors + phase.load.timeouts + phase.load.non2xx + (phase.sequential?.failures ?? 0), 0);
checks.push({ target: 'no errors, timeouts or non-2xx answers', measured: String(failed), met: failed === 0 });
let scaling: number | undefined;
if (fleetchatPhases.length === 2) {
  scaling = fleetchatPhases[1].load.requestsPerSecond / single.load.requestsPerSecond;
  console.log(`two instances / one instance: ${round(scaling, 2)}× (both on PostgreSQL + Redis, same machine)`);
}
printTargets(checks);

const file = writeResult(`message-throughput-${store}${instances === 2 ? '-2-instances' : ''}`, {
  benchmark: 'message-throughput',
  machine,
  options: { durationSeconds, warmupSeconds, connections, store, instances, sqliteSynchronous: store === 'sqlite' ? synchronous : undefined, sequentialCount, logLevel: values['log-level'], sessions: 'new session per request' },
  echo,
  fleetchat: fleetchatPhases,
  throughputRatio: round(ratio, 3),
  addedP50MsUnderLoad: round(addedLoadedP50, 2),
  addedP50MsSequential: addedSequentialP50 === undefined ? undefined : round(addedSequentialP50, 3),
  twoInstancesOverOne: scaling === undefined ? undefined : round(scaling, 3),
  targets: checks,
});
console.log(`\nwritten: ${file}`);
