/**
 * Memory per idle authenticated WebSocket (issue 3), against a bare `ws` server.
 *
 *   node --import tsx bench/ws-idle.ts [--sockets 10000] [--idle 5000] [--parallel 100] [--addresses 4]
 *
 * Needs `ulimit -n` above --sockets (+ a margin) in this shell: the clients live in this
 * process, and the server child inherits the limit. For each server (fleetchat, then a bare
 * `ws` server, each in its own child process): start, wait until healthy, open and close 100
 * warm-up sockets, wait --idle ms, read VmRSS (the baseline), open --sockets sockets (fleetchat: all with one user's token, with
 * WS_MAX_SOCKETS_PER_USER raised above the count), wait --idle ms with every socket idle, read
 * VmRSS again. Per socket = (after − baseline) / sockets.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { describeMachine, printMachine, printTable, printTargets, round, writeResult } from './support/report.ts';
import {
  freePort,
  login,
  makeTemporaryFolder,
  openFilesLimit,
  removeFolder,
  residentKiB,
  spawnFleetchat,
  spawnSupportScript,
  waitUntilHealthy,
  type ChildServer,
} from './support/server-process.ts';
import { closeSockets, openSockets } from './support/ws-clients.ts';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: process.env.BENCH_SOCKETS ?? '10000' },
    idle: { type: 'string', default: '5000' },
    parallel: { type: 'string', default: '100' },
    addresses: { type: 'string', default: '4' },
  },
});
const socketCount = Number(values.sockets);
const idleMs = Number(values.idle);
const parallel = Number(values.parallel);
const addressCount = Math.min(254, Math.max(1, Number(values.addresses)));

const limit = openFilesLimit();
if (limit < socketCount + 256) {
  console.error(`ulimit -n is ${limit}: ${socketCount} client sockets need at least ${socketCount + 256}. Run \`ulimit -n 65535\` (or up to the hard limit, \`ulimit -Hn\`) in this shell first.`);
  process.exit(2);
}

interface SocketFigures {
  server: string;
  baselineMiB: number;
  afterMiB: number;
  opened: number;
  failures: number;
  firstError?: string;
  openSeconds: number;
  perSocketKiB: number;
}

async function measure(label: string, server: ChildServer, wsUrl: () => Promise<string>): Promise<SocketFigures> {
  await waitUntilHealthy(server);
  const url = await wsUrl();
  // A few sockets opened and closed first, so the baseline already holds the code and the
  // one-off allocations of the first upgrades, not only the startup heap.
  closeSockets((await openSockets(url, { count: Math.min(100, socketCount), parallel, addressCount })).sockets);
  await delay(idleMs);
  const baseline = residentKiB(server.pid);
  const opened = await openSockets(url, { count: socketCount, parallel, addressCount });
  await delay(idleMs);
  const after = residentKiB(server.pid);
  const stillOpen = opened.sockets.filter((socket) => socket.readyState === socket.OPEN).length;
  closeSockets(opened.sockets);
  const figures: SocketFigures = {
    server: label,
    baselineMiB: round(baseline / 1024, 1),
    afterMiB: round(after / 1024, 1),
    opened: stillOpen,
    failures: opened.failures + (opened.sockets.length - stillOpen),
    firstError: opened.firstError,
    openSeconds: round(opened.milliseconds / 1000, 2),
    perSocketKiB: round((after - baseline) / Math.max(1, stillOpen), 2),
  };
  console.log(`  ${label}: ${stillOpen} open, ${figures.perSocketKiB} KiB/socket`);
  return figures;
}

const machine = describeMachine();
printMachine(machine);
console.log(`${socketCount} sockets, ${parallel} handshakes at a time, from ${addressCount} source address(es); ${idleMs} ms idle before each RSS reading`);

const results: SocketFigures[] = [];
const folder = makeTemporaryFolder('ws-idle');
try {
  const fleetchat = spawnFleetchat({
    env: {
      DATABASE_URL: `sqlite:${path.join(folder, 'fleetchat.db')}`,
      SQLITE_SYNCHRONOUS: 'NORMAL',
      WS_MAX_SOCKETS_PER_USER: String(Math.max(20_000, socketCount)),
      // Not one upgrade line per socket in the measured process's memory and CPU.
      LOG_LEVEL: 'warn',
    },
    port: await freePort(),
    folder,
  });
  try {
    results.push(await measure('fleetchat', fleetchat, async () => `${fleetchat.url.replace('http', 'ws')}/api/chat/ws?token=${await login(fleetchat.url)}`));
  } finally {
    await fleetchat.stop();
  }
  const bare = spawnSupportScript('bare-ws-server.ts', { port: await freePort(), folder });
  try {
    results.push(await measure('bare ws', bare, async () => bare.url.replace('http', 'ws')));
  } finally {
    await bare.stop();
  }
} finally {
  removeFolder(folder);
}

console.log('');
printTable(
  ['server', 'baseline MiB', 'after MiB', 'open sockets', 'failed', 'open time s', 'KiB/socket'],
  results.map((entry) => [entry.server, entry.baselineMiB, entry.afterMiB, entry.opened, entry.failures, entry.openSeconds, entry.perSocketKiB]),
);
for (const entry of results) if (entry.firstError) console.log(`  ${entry.server}: first failure: ${entry.firstError}`);
console.log('');
const fleetchatFigures = results[0];
const checks = [
  // KB as in the issue, read as KiB (the stricter of the two).
  { target: '≤ 30 KB RSS per idle socket', measured: `${fleetchatFigures.perSocketKiB} KiB`, met: fleetchatFigures.perSocketKiB <= 30 },
  { target: `all ${socketCount} sockets open and idle`, measured: `${fleetchatFigures.opened} (${fleetchatFigures.failures} failed)`, met: fleetchatFigures.opened === socketCount },
];
printTargets(checks);
const file = writeResult('ws-idle', { benchmark: 'ws-idle', machine, options: { socketCount, idleMs, parallel, addressCount, logLevel: 'warn' }, results, targets: checks });
console.log(`\nwritten: ${file}`);
