/**
 * Streaming over the WebSocket (issue 3): many answers at once, the delay the gateway adds to each
 * chunk, and the time to first chunk.
 *
 *   node --import tsx bench/ws-streaming.ts [--streams 1000] [--chunk-delay 10] [--ttfc 200]
 *        [--timeout 120] [--log-level info] [--addresses 4] [--profile-dir DIR]
 *
 * The server (child process) runs a fleet file with one agent on a mock provider with
 * `chunkDelayMs: --chunk-delay`, `latencyMs: 0` and `answerWords: 150`: the mock answers in
 * groups of three words, so every answer has 50 chunks (the count is reported).
 *
 * 1. Time to first chunk (TTFC): one socket, --ttfc messages one after another (after 20 not
 *    counted), each from sending the frame to receiving its first `chunk` frame. The mock's own
 *    delay before the first chunk is 0, so this is the gateway's overhead: frame parsing,
 *    session and user message written to the store, prompt, first chunk out.
 * 2. Concurrency: --streams sockets, each sends one message at the same moment; every frame's
 *    arrival time is taken in this process. For chunk k of an answer, the expected arrival is
 *    first-chunk arrival + (k − 1) × chunk delay; "schedule lag" = arrival − expected (it
 *    accumulates any per-chunk delay along the answer), and "gap excess" = (arrival_k −
 *    arrival_{k−1}) − chunk delay (the delay added to one chunk alone).
 * 3. The same two measurements against a bare `ws` server (child process) streaming the same
 *    mock model straight into frames. The mock's setTimeout drift (a 10 ms timer fires after
 *    10 ms or later, and later still with a thousand of them) and this process's own costs are in
 *    both; fleetchat minus bare is what the gateway adds.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import { describeMachine, percentile, printMachine, printTable, printTargets, round, writeResult } from './support/report.ts';
import { freePort, login, makeTemporaryFolder, openFilesLimit, removeFolder, spawnFleetchat, spawnSupportScript, waitUntilHealthy, type ChildServer } from './support/server-process.ts';
import { closeSockets, openSocket, openSockets } from './support/ws-clients.ts';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: process.env.BENCH_STREAMS ?? '1000' },
    'chunk-delay': { type: 'string', default: '10' },
    ttfc: { type: 'string', default: '200' },
    timeout: { type: 'string', default: '120' },
    'log-level': { type: 'string', default: 'info' },
    addresses: { type: 'string', default: '4' },
    'profile-dir': { type: 'string' },
  },
});
const streamCount = Number(values.streams);
const chunkDelayMs = Number(values['chunk-delay']);
const ttfcCount = Number(values.ttfc);
const timeoutMs = Number(values.timeout) * 1000;
const addressCount = Math.max(1, Number(values.addresses));
const agentId = '01900000-0000-7000-8000-00000000be9c';
// The mock is configured with `answerWords: 150`: three words a chunk, so 50 chunks an answer.
const ANSWER_WORDS = 150;
const message = 'Stream a long answer for the benchmark, please.';

if (openFilesLimit() < streamCount + 256) {
  console.error(`ulimit -n is ${openFilesLimit()}: ${streamCount} sockets need at least ${streamCount + 256}. Run \`ulimit -n 65535\` first.`);
  process.exit(2);
}

interface Frame {
  type: string;
  requestId?: string;
  seq?: number;
  delta?: string;
  response?: string;
  code?: string;
  error?: string;
}

interface StreamRecord {
  sentAt: number;
  arrivals: number[];
  deltas: string[];
  outcome?: 'done' | 'error' | 'mismatch';
  errorCode?: string;
}

/** Sends one message frame and records every frame of its answer until `done` or `error`. */
function stream(socket: WebSocket, requestId: string): { record: StreamRecord; finished: Promise<StreamRecord> } {
  const record: StreamRecord = { sentAt: 0, arrivals: [], deltas: [] };
  const finished = new Promise<StreamRecord>((resolve) => {
    const onMessage = (data: Buffer) => {
      const arrivedAt = performance.now();
      const frame = JSON.parse(data.toString()) as Frame;
      if (frame.requestId !== requestId) return;
      if (frame.type === 'chunk') {
        if (frame.seq !== record.arrivals.length + 1) record.outcome = 'mismatch';
        record.arrivals.push(arrivedAt);
        record.deltas.push(frame.delta ?? '');
      } else if (frame.type === 'done' || frame.type === 'error') {
        if (frame.type === 'error') {
          record.outcome = 'error';
          record.errorCode = frame.code;
        } else if (record.outcome === undefined) {
          record.outcome = frame.response === record.deltas.join('') ? 'done' : 'mismatch';
        }
        socket.off('message', onMessage);
        resolve(record);
      }
    };
    socket.on('message', onMessage);
  });
  record.sentAt = performance.now();
  socket.send(JSON.stringify({ message, agentId, requestId }));
  return { record, finished };
}

function summary(values: number[]) {
  const sorted = [...values].sort((left, right) => left - right);
  return { count: sorted.length, p50: round(percentile(sorted, 0.5), 3), p99: round(percentile(sorted, 0.99), 3), max: round(sorted[sorted.length - 1] ?? Number.NaN, 3) };
}

function withTimeout<T>(work: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: not finished within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

type Summary = ReturnType<typeof summary>;

interface ServerFigures {
  server: string;
  ttfcMs: Summary;
  streams: number;
  completed: number;
  errors: Record<string, number>;
  chunksPerAnswer: Summary;
  chunkFrames: number;
  wallSeconds: number;
  chunkFramesPerSecond: number;
  ttfcUnderLoadMs: Summary;
  scheduleLagMs: Summary;
  gapExcessMs: Summary;
}

async function measure(label: string, server: ChildServer, wsUrl: () => Promise<string>): Promise<ServerFigures> {
  await waitUntilHealthy(server);
  const url = await wsUrl();

  // 1. Time to first chunk, one answer at a time.
  const single = await openSocket(url, '127.0.0.1');
  const firstChunk: number[] = [];
  for (let index = 0; index < ttfcCount + 20; index += 1) {
    const { finished } = stream(single, `ttfc-${index}`);
    const record = await withTimeout(finished, 'TTFC');
    if (record.outcome !== 'done') throw new Error(`${label}: TTFC answer ${index} ended with ${record.outcome} ${record.errorCode ?? ''}`);
    if (index >= 20) firstChunk.push(record.arrivals[0] - record.sentAt);
  }
  closeSockets([single]);

  // 2. Many answers at once, one per socket.
  const opened = await openSockets(url, { count: streamCount, parallel: 100, addressCount });
  if (opened.failures > 0) throw new Error(`${label}: ${opened.failures} sockets failed to open: ${opened.firstError}`);
  const started = performance.now();
  const running = opened.sockets.map((socket, index) => stream(socket, `s-${index}`));
  const records = await withTimeout(Promise.all(running.map((entry) => entry.finished)), `${label}: concurrent answers`);
  closeSockets(opened.sockets);

  const errors: Record<string, number> = {};
  for (const record of records) {
    if (record.outcome === 'done') continue;
    const key = record.errorCode ?? record.outcome ?? 'unknown';
    errors[key] = (errors[key] ?? 0) + 1;
  }
  const chunkFrames = records.reduce((sum, record) => sum + record.arrivals.length, 0);
  const lastArrival = Math.max(...records.map((record) => record.arrivals[record.arrivals.length - 1] ?? started));
  const scheduleLag: number[] = [];
  const gapExcess: number[] = [];
  for (const record of records) {
    for (let k = 1; k < record.arrivals.length; k += 1) {
      scheduleLag.push(record.arrivals[k] - (record.arrivals[0] + k * chunkDelayMs));
      gapExcess.push(record.arrivals[k] - record.arrivals[k - 1] - chunkDelayMs);
    }
  }
  const figures: ServerFigures = {
    server: label,
    ttfcMs: summary(firstChunk),
    streams: streamCount,
    completed: records.filter((record) => record.outcome === 'done').length,
    errors,
    chunksPerAnswer: summary(records.map((record) => record.arrivals.length)),
    chunkFrames,
    wallSeconds: round((lastArrival - started) / 1000, 3),
    chunkFramesPerSecond: round(chunkFrames / ((lastArrival - started) / 1000), 0),
    ttfcUnderLoadMs: summary(records.filter((record) => record.arrivals.length > 0).map((record) => record.arrivals[0] - record.sentAt)),
    scheduleLagMs: summary(scheduleLag),
    gapExcessMs: summary(gapExcess),
  };
  console.log(`  ${label}: ${figures.completed}/${streamCount} complete, ${figures.chunkFramesPerSecond} chunk frames/s, TTFC p50 ${figures.ttfcMs.p50} ms`);
  return figures;
}

const machine = describeMachine();
printMachine(machine);
console.log(`mock provider: chunk delay ${chunkDelayMs} ms, latency 0 ms; TTFC over ${ttfcCount} sequential messages; then ${streamCount} concurrent answers`);

const folder = makeTemporaryFolder('ws-streaming');
const fleetFile = path.join(folder, 'fleet.yaml');
writeFileSync(
  fleetFile,
  [
    'providers:',
    `  slowmock: { type: mock, latencyMs: 0, chunkDelayMs: ${chunkDelayMs}, answerWords: ${ANSWER_WORDS} }`,
    'defaultAgent: Streamer',
    'agents:',
    `  - id: ${agentId}`,
    '    name: Streamer',
    '    role: Benchmark agent',
    '    description: Streams mock answers for bench/ws-streaming.ts',
    '    soul: You answer briefly.',
    '    model: { default: slowmock/bench }',
    '',
  ].join('\n'),
);

const results: ServerFigures[] = [];
try {
  const fleetchat = spawnFleetchat({
    env: {
      DATABASE_URL: `sqlite:${path.join(folder, 'fleetchat.db')}`,
      SQLITE_SYNCHRONOUS: 'NORMAL',
      FLEETCHAT_CONFIG: fleetFile,
      WS_MAX_SOCKETS_PER_USER: String(Math.max(20_000, streamCount + 10)),
      WS_FRAMES_PER_SECOND: '100000',
      LOG_LEVEL: values['log-level'],
    },
    port: await freePort(),
    folder,
    profileDir: values['profile-dir'],
  });
  try {
    results.push(await measure('fleetchat', fleetchat, async () => `${fleetchat.url.replace('http', 'ws')}/api/chat/ws?token=${await login(fleetchat.url)}`));
  } finally {
    await fleetchat.stop();
  }
  const bare = spawnSupportScript('bare-stream-server.ts', { port: await freePort(), folder, env: { CHUNK_DELAY_MS: String(chunkDelayMs), ANSWER_WORDS: String(ANSWER_WORDS) } });
  try {
    results.push(await measure('bare ws + mock', bare, async () => bare.url.replace('http', 'ws')));
  } finally {
    await bare.stop();
  }
} finally {
  removeFolder(folder);
}

const [gateway, bare] = results;
console.log('');
printTable(
  ['measure (ms)', 'fleetchat p50', 'fleetchat p99', 'bare p50', 'bare p99', 'added p50', 'added p99'],
  (
    [
      ['TTFC, one answer at a time', 'ttfcMs'],
      [`TTFC, ${streamCount} at once`, 'ttfcUnderLoadMs'],
      ['chunk schedule lag', 'scheduleLagMs'],
      ['chunk gap excess', 'gapExcessMs'],
    ] as const
  ).map(([label, key]) => [label, gateway[key].p50, gateway[key].p99, bare[key].p50, bare[key].p99, round(gateway[key].p50 - bare[key].p50, 3), round(gateway[key].p99 - bare[key].p99, 3)]),
);
console.log('');
printTable(
  ['server', 'complete', 'failures', 'chunks/answer', 'chunk frames', 'seconds', 'chunk frames/s'],
  results.map((entry) => [entry.server, entry.completed, Object.keys(entry.errors).length ? JSON.stringify(entry.errors) : '0', entry.chunksPerAnswer.p50, entry.chunkFrames, entry.wallSeconds, entry.chunkFramesPerSecond]),
);
console.log('');
const addedLag = round(gateway.scheduleLagMs.p99 - bare.scheduleLagMs.p99, 3);
const addedGap = round(gateway.gapExcessMs.p99 - bare.gapExcessMs.p99, 3);
const addedTtfc = round(gateway.ttfcMs.p50 - bare.ttfcMs.p50, 3);
const checks = [
  { target: `all ${streamCount} concurrent answers complete, no errors`, measured: `${gateway.completed}`, met: gateway.completed === streamCount },
  { target: 'added latency per chunk p99 ≤ 10 ms (schedule lag, fleetchat − bare)', measured: `${addedLag} ms`, met: addedLag <= 10 },
  { target: 'added latency per chunk p99 ≤ 10 ms (gap excess, fleetchat − bare)', measured: `${addedGap} ms`, met: addedGap <= 10 },
  { target: 'TTFC above the mock p50 ≤ 2 ms (one at a time, fleetchat)', measured: `${gateway.ttfcMs.p50} ms`, met: gateway.ttfcMs.p50 <= 2 },
  { target: '50 chunks per answer (issue 3 setup)', measured: `${gateway.chunksPerAnswer.p50}`, met: gateway.chunksPerAnswer.p50 >= 50 },
];
printTargets(checks);

const file = writeResult('ws-streaming', {
  benchmark: 'ws-streaming',
  machine,
  options: { streamCount, chunkDelayMs, ttfcCount, sqliteSynchronous: 'NORMAL', logLevel: values['log-level'], messageChars: message.length },
  results,
  addedMs: { scheduleLagP99: addedLag, gapExcessP99: addedGap, ttfcP50: addedTtfc },
  targets: checks,
});
console.log(`\nwritten: ${file}`);
