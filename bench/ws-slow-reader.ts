/**
 * Memory of the server while WebSocket clients stop reading in the middle of long answers: is it
 * bounded, as docs/STREAMING.md says (WS_MAX_BUFFERED_BYTES), and what happens to those answers?
 * Method and figures: docs/PERFORMANCE.md §7.
 *
 *   node --import tsx bench/ws-slow-reader.ts [--clients 20,50,200] [--control 20] [--answers 4]
 *        [--answer-words 100000] [--chunk-delay 1] [--duration 30] [--settle 5] [--max-duration 240]
 *        [--baseline 3] [--interval 250] [--drain 60] [--gc-every 0] [--addresses 4] [--log-level warn]
 *
 * Each run starts a new fleetchat child process (SQLite NORMAL; WebSocket limits at their
 * defaults, WS_MAX_BUFFERED_BYTES 1 MiB, except WS_MAX_SOCKETS_PER_USER), with its inspector on
 * a loopback port so that the benchmark can force a full garbage collection in it, and
 * --trace-gc. One agent runs on a mock provider with `answerWords: --answer-words` (100 000, the
 * most the fleet file accepts: 33 334 chunk frames, 2.66 MiB of frames an answer) and
 * `chunkDelayMs: --chunk-delay` (1: each chunk on its own timer, as from a real upstream; with 0
 * a whole answer runs in one turn of the event loop). Each client sends --answers messages at
 * once (4: 10.6 MiB of frames on one socket), because on Linux the kernel alone takes about
 * 3.4 MiB per connection before the server's own queue starts growing.
 *
 * 1. Warm-up: one reading client gets one short complete answer; a forced full GC; --baseline
 *    seconds of samples: the baseline.
 * 2. --clients raw TCP clients do the WebSocket upgrade by hand, send their message frames and
 *    pause the socket. A paused net.Socket reads at most its highWaterMark (16 KiB) more, then
 *    stops reading: the client's receive queue fills, the TCP window closes, and what the server
 *    writes next stays in the server's kernel send queue, then in its own memory (ws's
 *    `bufferedAmount`). This is checked, not assumed: every sample reads each client's bytesRead
 *    and, from /proc/net/tcp, the receive queue of each client's end and the send queue of the
 *    server's end.
 * 3. Every --interval ms, for at least --duration s and until every server end has left
 *    ESTABLISHED (+ --settle s, at most --max-duration s): the server's VmRSS
 *    (/proc/<pid>/status), its heap and external memory and frames sent (prom-client's metrics on
 *    /metrics), the kernel queues above, the kernel's TCP memory (/proc/net/sockstat), and how
 *    many server ends are still ESTABLISHED. --gc-every N adds a forced full GC every N seconds
 *    with a sample right after it (the live heap); that changes the RSS curve, so such a run is
 *    written to its own results file.
 * 4. A forced full GC, one second of samples (what is live, not what awaits the collector); then
 *    every client reads again and parses what it gets until the connection ends: the frames that
 *    reached it, a close frame (code, reason) if one did, or an end without one. Another forced
 *    GC and --baseline seconds of samples once all is closed. Each answer's stored assistant
 *    message is read back from /api/chat/history (status, length, durationMs: from the message to
 *    the cut). The bytes the server handed to each socket are rebuilt exactly from the stored
 *    texts (a chunk frame is JSON.stringify({type, requestId, seq, delta}), and the stored text
 *    is exactly the deltas sent); less the most the kernel held, that is the server's own queue
 *    when the connection was closed: about 1 MiB when the buffer limit cut it, about 0 when the
 *    heartbeat did (no pong within two WS_PING_INTERVAL_MS).
 * 5. Control (--control): the same with clients that read everything as it comes (and answer
 *    pings), so that what belongs to streaming that many frames at all is told apart from what
 *    belongs to the clients not reading.
 *
 * The mock provider splits its whole answer into chunks when it starts; its share of the server's
 * heap (measured here, in this process) is printed beside the figures.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { MockChatModel, composeAnswer, lengthen, splitIntoChunks } from '../src/providers/mock/mock-chat-model.ts';
import { describeMachine, median, printMachine, printTable, printTargets, round, writeResult } from './support/report.ts';
import { freePort, login, makeTemporaryFolder, openFilesLimit, removeFolder, residentKiB, spawnFleetchat, waitUntilHealthy, type ChildServer } from './support/server-process.ts';
import { closeSockets, openSocket, sourceAddress } from './support/ws-clients.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '20,50,200' },
    control: { type: 'string', default: '20' },
    answers: { type: 'string', default: '4' },
    'answer-words': { type: 'string', default: '100000' },
    'chunk-delay': { type: 'string', default: '1' },
    duration: { type: 'string', default: '30' },
    settle: { type: 'string', default: '5' },
    'max-duration': { type: 'string', default: '240' },
    baseline: { type: 'string', default: '3' },
    interval: { type: 'string', default: '250' },
    drain: { type: 'string', default: '60' },
    'gc-every': { type: 'string', default: '0' },
    addresses: { type: 'string', default: '4' },
    'log-level': { type: 'string', default: 'warn' },
  },
});
const counts = (text: string) => text.split(',').filter((item) => item.trim() !== '').map(Number);
type Mode = 'paused' | 'reading';
const plan: Array<{ mode: Mode; clients: number }> = [
  ...counts(values.clients).map((clients) => ({ mode: 'paused' as const, clients })),
  ...counts(values.control).map((clients) => ({ mode: 'reading' as const, clients })),
];
const answersPerClient = Number(values.answers);
const answerWords = Number(values['answer-words']);
const chunkDelayMs = Number(values['chunk-delay']);
const durationMs = Number(values.duration) * 1000;
const settleMs = Number(values.settle) * 1000;
const maxDurationMs = Number(values['max-duration']) * 1000;
const baselineMs = Number(values.baseline) * 1000;
const intervalMs = Number(values.interval);
const drainMs = Number(values.drain) * 1000;
const gcEveryMs = Number(values['gc-every']) * 1000;
const addressCount = Math.min(254, Math.max(1, Number(values.addresses)));
const slowAgentId = '01900000-0000-7000-8000-00000000510b';
const shortAgentId = '01900000-0000-7000-8000-00000000510c';
const message = 'Stream a very long answer for the slow-reader benchmark, please.';
/** The server's default, not overridden here: what this benchmark checks. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const MiB = 1024 * 1024;

const maxClients = Math.max(...plan.map((entry) => entry.clients));
if (openFilesLimit() < 2 * maxClients + 256) {
  console.error(`ulimit -n is ${openFilesLimit()}: ${maxClients} clients need at least ${2 * maxClients + 256}. Run \`ulimit -n 65535\` first.`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// A WebSocket client by hand on a raw TCP socket, so that "stops reading" means exactly that.

interface ParsedFrame {
  opcode: number;
  payload: Buffer;
}

/** Server frames (unmasked) out of a byte stream; returns the frames and the bytes left over. */
function parseFrames(buffer: Buffer): { frames: ParsedFrame[]; rest: Buffer } {
  const frames: ParsedFrame[] = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    const opcode = buffer[offset] & 0x0f;
    let length = buffer[offset + 1] & 0x7f;
    let header = 2;
    if (length === 126) {
      if (buffer.length - offset < 4) break;
      length = buffer.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      if (buffer.length - offset < 10) break;
      length = Number(buffer.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (buffer.length - offset < header + length) break;
    frames.push({ opcode, payload: buffer.subarray(offset + header, offset + header + length) });
    offset += header + length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

/** A masked client text frame. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.alloc(payload.length);
  for (let index = 0; index < payload.length; index += 1) masked[index] = payload[index] ^ mask[index % 4];
  return Buffer.concat([header, mask, masked]);
}

/** A masked client control frame (pong). */
function controlFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.alloc(payload.length);
  for (let index = 0; index < payload.length; index += 1) masked[index] = payload[index] ^ mask[index % 4];
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

/** Bytes of a server frame of this payload length on the wire (no mask). */
const serverFrameBytes = (payloadBytes: number) => payloadBytes + (payloadBytes < 126 ? 2 : payloadBytes < 65_536 ? 4 : 10);

/** One answer as one client saw it once it read again. */
interface AnswerSeen {
  requestId: string;
  start?: { sessionId: string; messageId: string; bytes: number };
  chunks: number;
  lastSeq: number;
  seqGaps: number;
  /** The delivered text, as a length and a running hash (not kept whole: 200 × MiBs of deltas). */
  deliveredChars: number;
  deliveredHash: Hash;
  /** `done`, `error <code>`, or undefined when neither arrived. */
  end?: string;
}

interface SlowClient {
  index: number;
  socket: net.Socket;
  /** `address:port` of the client's end, as /proc/net/tcp shows it. */
  key: string;
  answers: Map<string, AnswerSeen>;
  /** socket.bytesRead right after pause() (or right after the upgrade), and at the end of the window. */
  bytesReadAtPause: number;
  bytesReadAtWindowEnd: number;
  /** The largest receive queue seen on the client's end, and send queue on the server's end while ESTABLISHED, during the window. */
  maxReceiveQueue: number;
  maxServerSendQueue: number;
  /** Bytes of WebSocket frames that arrived (the 101 response excluded). */
  frameBytes: number;
  closeFrame?: { code: number; reason: string };
  ended?: 'fin' | 'reset' | 'all answers ended' | 'still open';
  pending: Buffer;
  /** Control runs: settles when the client has read every answer to its end. */
  drained: Promise<void>;
}

/**
 * Upgrade by hand, send `answers` message frames, then pause (from then on nothing is read), or,
 * for the control runs, read everything at once.
 */
function openClient(port: number, token: string, index: number, answers: number, mode: Mode): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const expectedAccept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: sourceAddress(index, addressCount) });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.write(
        `GET /api/chat/ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const onHead = (data: Buffer) => {
      head = Buffer.concat([head, data]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      const response = head.subarray(0, end).toString('latin1');
      if (!response.startsWith('HTTP/1.1 101') || !response.includes(expectedAccept)) return fail(new Error(`upgrade refused: ${response.split('\r\n')[0]}`));
      socket.off('error', fail);
      socket.on('error', () => undefined);
      const client: SlowClient = {
        index,
        socket,
        key: `${socket.localAddress}:${socket.localPort}`,
        answers: new Map(),
        bytesReadAtPause: 0,
        bytesReadAtWindowEnd: 0,
        maxReceiveQueue: 0,
        maxServerSendQueue: 0,
        // Anything that came with the 101 is kept for the parser.
        pending: Buffer.from(head.subarray(end + 4)),
        frameBytes: 0,
        drained: Promise.resolve(),
      };
      client.frameBytes = client.pending.length;
      for (let answer = 0; answer < answers; answer += 1) {
        const requestId = `slow-${index}-${answer}`;
        client.answers.set(requestId, { requestId, chunks: 0, lastSeq: 0, seqGaps: 0, deliveredChars: 0, deliveredHash: createHash('sha1') });
        socket.write(textFrame(JSON.stringify({ message, agentId: slowAgentId, requestId })));
      }
      if (mode === 'reading') {
        client.drained = drainClient(client, maxDurationMs);
      } else {
        // A paused net.Socket stops reading from the kernel once its own buffer (highWaterMark,
        // 16 KiB) is full: bytesRead then stays put, which every sample checks.
        socket.pause();
      }
      client.bytesReadAtPause = socket.bytesRead;
      resolve(client);
    };
    socket.on('data', onHead);
  });
}

/**
 * Resumes reading and parses everything until the server ends the connection, every answer has
 * ended (done or error), or `timeoutMs`.
 */
function drainClient(client: SlowClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (how: SlowClient['ended']) => {
      client.ended ??= how;
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.socket.destroy();
      resolve();
    };
    const consume = (data: Buffer) => {
      client.frameBytes += data.length;
      const { frames, rest } = parseFrames(client.pending.length > 0 ? Buffer.concat([client.pending, data]) : data);
      client.pending = Buffer.from(rest);
      for (const frame of frames) {
        if (frame.opcode === 0x8) {
          client.closeFrame = { code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005, reason: frame.payload.subarray(2).toString() };
          continue;
        }
        // A reading client answers the server's heartbeat like any WebSocket client.
        if (frame.opcode === 0x9) client.socket.write(controlFrame(0xa, frame.payload));
        if (frame.opcode !== 0x1) continue;
        const parsed = JSON.parse(frame.payload.toString()) as { type: string; requestId?: string; seq?: number; delta?: string; sessionId?: string; messageId?: string; code?: string };
        const answer = client.answers.get(parsed.requestId ?? '');
        if (!answer) continue;
        if (parsed.type === 'start') answer.start = { sessionId: parsed.sessionId ?? '', messageId: parsed.messageId ?? '', bytes: serverFrameBytes(frame.payload.length) };
        else if (parsed.type === 'chunk') {
          answer.chunks += 1;
          if (parsed.seq !== answer.lastSeq + 1) answer.seqGaps += 1;
          answer.lastSeq = parsed.seq ?? answer.lastSeq;
          answer.deliveredChars += (parsed.delta ?? '').length;
          answer.deliveredHash.update(parsed.delta ?? '');
        } else answer.end = parsed.type === 'error' ? `error ${parsed.code}` : parsed.type;
      }
      if ([...client.answers.values()].every((answer) => answer.end !== undefined)) finish('all answers ended');
    };
    const timer = setTimeout(() => finish('still open'), timeoutMs);
    client.socket.on('data', consume);
    client.socket.once('end', () => (client.ended ??= 'fin'));
    client.socket.once('error', () => (client.ended ??= 'reset'));
    client.socket.once('close', () => finish('fin'));
    if (client.pending.length > 0) consume(Buffer.alloc(0));
    client.socket.resume();
  });
}

// ---------------------------------------------------------------------------------------------
// What the server holds: /proc for RSS and kernel queues, /metrics for its heap.

interface TcpEntry {
  state: number;
  sendQueue: number;
  receiveQueue: number;
}

function ipv4(hex: string): string {
  const [address, port] = hex.split(':');
  const bytes = [0, 2, 4, 6].map((at) => Number.parseInt(address.slice(at, at + 2), 16)).reverse();
  return `${bytes.join('.')}:${Number.parseInt(port, 16)}`;
}

/** /proc/net/tcp by `local→remote`. */
function tcpTable(): Map<string, TcpEntry> {
  const table = new Map<string, TcpEntry>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const [sendQueue, receiveQueue] = fields[4].split(':').map((value) => Number.parseInt(value, 16));
    table.set(`${ipv4(fields[1])}→${ipv4(fields[2])}`, { state: Number.parseInt(fields[3], 16), sendQueue, receiveQueue });
  }
  return table;
}

const TCP_ESTABLISHED = 1;

/** Kernel memory of all TCP sockets of the machine (sockstat counts pages). */
function kernelTcpMiB(): number {
  const pages = Number(readFileSync('/proc/net/sockstat', 'utf8').match(/^TCP:.* mem (\d+)/m)?.[1] ?? Number.NaN);
  return round((pages * 4096) / MiB, 1);
}

type Phase = 'baseline' | 'window' | 'gc' | 'after';

interface Sample {
  /** Seconds since the first client started connecting (negative: baseline). */
  t: number;
  phase: Phase;
  rssMiB: number;
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
  framesOut?: number;
  /** Server ends of the clients' connections still ESTABLISHED. */
  serverEstablished: number;
  /** Σ kernel send queue of the server's ends (orphans after a close included), and Σ receive queue of the clients' ends. */
  serverSendQueueMiB: number;
  clientReceiveQueueMiB: number;
  /** /proc/net/sockstat: every TCP socket of the machine. */
  kernelTcpMiB: number;
  /** Σ bytes the clients read from their sockets since they paused (must stay put). */
  clientKiBReadSincePause: number;
  /** Taken right after a forced full GC (--gc-every): its heap is what was live. */
  forcedGc?: true;
}

function metricValue(text: string, name: string): number | undefined {
  const match = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm'));
  return match ? Number(match[1]) : undefined;
}

function takeSample(server: ChildServer, port: number, clients: SlowClient[], t: number, phase: Phase): Sample {
  const table = tcpTable();
  let serverEstablished = 0;
  let serverSendQueue = 0;
  let clientReceiveQueue = 0;
  let bytesRead = 0;
  for (const client of clients) {
    const serverEnd = table.get(`127.0.0.1:${port}→${client.key}`);
    const clientEnd = table.get(`${client.key}→127.0.0.1:${port}`);
    if (serverEnd) {
      if (serverEnd.state === TCP_ESTABLISHED) serverEstablished += 1;
      if (serverEnd.state === TCP_ESTABLISHED && phase === 'window') client.maxServerSendQueue = Math.max(client.maxServerSendQueue, serverEnd.sendQueue);
      serverSendQueue += serverEnd.sendQueue;
    }
    if (clientEnd) {
      clientReceiveQueue += clientEnd.receiveQueue;
      if (phase === 'window') client.maxReceiveQueue = Math.max(client.maxReceiveQueue, clientEnd.receiveQueue);
    }
    bytesRead += client.socket.bytesRead - client.bytesReadAtPause;
  }
  const sample: Sample = {
    t: round(t / 1000, 2),
    phase,
    rssMiB: round(residentKiB(server.pid) / 1024, 1),
    serverEstablished,
    serverSendQueueMiB: round(serverSendQueue / MiB, 2),
    clientReceiveQueueMiB: round(clientReceiveQueue / MiB, 2),
    kernelTcpMiB: kernelTcpMiB(),
    clientKiBReadSincePause: round(bytesRead / 1024, 1),
  };
  // The heap comes over HTTP from the server's own event loop: filled in when it answers (a
  // sample taken while the loop is busy may have none).
  fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(intervalMs * 4) })
    .then((response) => response.text())
    .then((text) => {
      const mib = (name: string) => {
        const value = metricValue(text, name);
        return value === undefined ? undefined : round(value / MiB, 1);
      };
      sample.heapUsedMiB = mib('fleetchat_nodejs_heap_size_used_bytes');
      sample.heapTotalMiB = mib('fleetchat_nodejs_heap_size_total_bytes');
      sample.externalMiB = mib('fleetchat_nodejs_external_memory_bytes');
      const frames = text.match(/^fleetchat_ws_frames_total\{direction="out"\} (\d+)/m);
      if (frames) sample.framesOut = Number(frames[1]);
    })
    .catch(() => undefined);
  return sample;
}

/** Samples every --interval ms until `done()` says so. */
async function sampleUntil(done: () => boolean, take: () => Sample, into: Sample[]): Promise<void> {
  let next = performance.now();
  while (!done()) {
    into.push(take());
    next += intervalMs;
    await delay(Math.max(0, next - performance.now()));
  }
}

/** One Chrome DevTools Protocol call to the server's inspector. */
async function inspectorCall(inspectorPort: number, method: string, params: object = {}): Promise<unknown> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl, { perMessageDeflate: false });
  try {
    return await new Promise<unknown>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ id: 1, method, params })));
      socket.on('message', (data: Buffer) => {
        const reply = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
        if (reply.id !== 1) return;
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result);
      });
    });
  } finally {
    socket.close();
  }
}

/** A full garbage collection in the server: what is live, not what awaits the collector. */
const collectGarbage = (inspectorPort: number) => inspectorCall(inspectorPort, 'HeapProfiler.collectGarbage');

/** The server's performance.now(): its --trace-gc lines count milliseconds from about the same origin. */
async function serverClock(inspectorPort: number): Promise<number> {
  const result = (await inspectorCall(inspectorPort, 'Runtime.evaluate', { expression: 'performance.now()', returnByValue: true })) as { result: { value: number } };
  return result.result.value;
}

interface MajorCollection {
  /** Seconds since the window started. */
  t: number;
  beforeMiB: number;
  /** The live heap, as V8 found it. */
  afterMiB: number;
  reason: string;
}

/** The server's full (mark-compact) collections, from its --trace-gc lines in its log. */
function majorCollections(logFile: string, windowStartMs: number): MajorCollection[] {
  const collections: MajorCollection[] = [];
  const pattern = /(\d+(?:\.\d+)?) ms: Mark-Compact(?: \([a-z ]+\))? ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB,.*?\)\s*(.*)$/gm;
  for (const match of readFileSync(logFile, 'utf8').matchAll(pattern)) {
    collections.push({ t: round((Number(match[1]) - windowStartMs) / 1000, 2), beforeMiB: Number(match[2]), afterMiB: Number(match[3]), reason: match[4].trim() });
  }
  return collections;
}

/** Live heap of one started answer of the mock provider in this process (it splits the whole answer up front). */
async function mockAnswerLiveMiB(): Promise<number> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const model = new MockChatModel({ answerWords, chunkDelayMs: 1 });
  gc();
  const before = process.memoryUsage().heapUsed;
  const started: Array<AsyncIterator<unknown>> = [];
  for (let index = 0; index < 10; index += 1) {
    const iterator = model.stream({ model: 'bench', messages: [{ role: 'user', content: `${message} ${index}` }] }, new AbortController().signal)[Symbol.asyncIterator]();
    await iterator.next();
    started.push(iterator);
  }
  gc();
  const perAnswer = (process.memoryUsage().heapUsed - before) / started.length / MiB;
  for (const iterator of started) await iterator.return?.();
  return round(perAnswer, 2);
}

// ---------------------------------------------------------------------------------------------

/** Bytes on the wire of the chunk frames that carry `text` (a stored answer) for `requestId`. */
function chunkFrameBytes(text: string, requestId: string): { frames: number; bytes: number } {
  if (text.length === 0) return { frames: 0, bytes: 0 };
  let bytes = 0;
  const chunks = splitIntoChunks(text);
  chunks.forEach((delta, index) => {
    bytes += serverFrameBytes(Buffer.byteLength(JSON.stringify({ type: 'chunk', requestId, seq: index + 1, delta })));
  });
  return { frames: chunks.length, bytes };
}

interface StoredAnswer {
  status?: string;
  content: string;
  durationMs?: number;
}

async function storedAnswer(url: string, token: string, sessionId: string, messageId: string): Promise<StoredAnswer | undefined> {
  const response = await fetch(`${url}/api/chat/history?sessionId=${sessionId}&order=asc&limit=50`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { data?: Array<{ id: string; status?: string; content: string; durationMs?: number }> };
  return body.data?.find((item) => item.id === messageId);
}

function spread(values: number[], digits = 2) {
  const sorted = [...values].sort((left, right) => left - right);
  return { min: round(sorted[0] ?? Number.NaN, digits), median: round(median(sorted), digits), max: round(sorted[sorted.length - 1] ?? Number.NaN, digits) };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

async function run(mode: Mode, clientCount: number, folder: string, fleetFile: string) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const server = spawnFleetchat({
    env: {
      DATABASE_URL: `sqlite:${path.join(folder, `fleetchat-${mode}-${clientCount}.db`)}`,
      SQLITE_SYNCHRONOUS: 'NORMAL',
      FLEETCHAT_CONFIG: fleetFile,
      WS_MAX_SOCKETS_PER_USER: String(clientCount + 10),
      LOG_LEVEL: values['log-level'],
    },
    port,
    folder,
    logName: `server-${mode}-${clientCount}.log`,
    nodeFlags: [`--inspect=127.0.0.1:${inspectorPort}`, '--trace-gc'],
  });
  const clients: SlowClient[] = [];
  const samples: Sample[] = [];
  const sampleFor = async (milliseconds: number, phase: Phase, clock: () => number) => {
    const end = performance.now() + milliseconds;
    await sampleUntil(() => performance.now() >= end, () => takeSample(server, port, clients, clock(), phase), samples);
  };
  try {
    await waitUntilHealthy(server);
    const token = await login(server.url);
    const wsUrl = `ws://127.0.0.1:${port}/api/chat/ws?token=${token}`;

    // 1. Warm-up: one complete short answer read normally, a full GC, then the baseline.
    const reader = await openSocket(wsUrl, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      reader.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { type: string; code?: string };
        if (frame.type === 'done') resolve();
        if (frame.type === 'error') reject(new Error(`warm-up answer failed: ${frame.code}`));
      });
      reader.send(JSON.stringify({ message: 'warm up', agentId: shortAgentId, requestId: 'warm-up' }));
    });
    closeSockets([reader]);
    await delay(500);
    await collectGarbage(inspectorPort);
    await delay(500);
    const baselineEnd = performance.now() + baselineMs;
    await sampleFor(baselineMs, 'baseline', () => performance.now() - baselineEnd);

    // 2. The clients, 50 handshakes at a time; the window's sampling starts with the first.
    const windowStartOnServerClock = await serverClock(inspectorPort);
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let connected = false;
    let allClosedAt: number | undefined;
    const sampling = sampleUntil(
      () => elapsed() >= maxDurationMs || (elapsed() >= durationMs && allClosedAt !== undefined && elapsed() >= allClosedAt + settleMs),
      () => {
        const sample = takeSample(server, port, clients, elapsed(), 'window');
        if (connected && allClosedAt === undefined && sample.serverEstablished === 0) allClosedAt = elapsed();
        return sample;
      },
      samples,
    );
    // --gc-every: a forced full GC every so often, and a sample right after it (live memory).
    let windowOver = false;
    const probing = (async () => {
      while (gcEveryMs > 0 && !windowOver) {
        await delay(gcEveryMs);
        if (windowOver) break;
        await collectGarbage(inspectorPort);
        const sample = takeSample(server, port, clients, elapsed(), 'window');
        sample.forcedGc = true;
        samples.push(sample);
      }
    })();
    let next = 0;
    let failures = 0;
    let firstError: string | undefined;
    await Promise.all(
      Array.from({ length: Math.min(50, clientCount) }, async () => {
        while (next < clientCount) {
          const index = next;
          next += 1;
          try {
            clients.push(await openClient(port, token, index, answersPerClient, mode));
          } catch (error) {
            failures += 1;
            firstError ??= error instanceof Error ? error.message : String(error);
          }
        }
      }),
    );
    const connectSeconds = elapsed() / 1000;
    connected = clients.length > 0;
    await sampling;
    windowOver = true;
    await probing;
    for (const client of clients) client.bytesReadAtWindowEnd = client.socket.bytesRead;
    console.log(`  window ${round(elapsed() / 1000, 1)} s; every server end closed ${allClosedAt === undefined ? 'NOT within the window' : `at ${round(allClosedAt / 1000, 1)} s`}`);

    // 3. What is live once the answers are cut: a full GC while the clients are still paused.
    await collectGarbage(inspectorPort);
    await sampleFor(1000, 'gc', elapsed);

    // 4. Read what each client was sent, until the server ends each connection.
    const drainStarted = performance.now();
    if (mode === 'paused') await Promise.all(clients.map((client) => drainClient(client, drainMs)));
    await Promise.all(clients.map((client) => client.drained));
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    await delay(1000);
    await collectGarbage(inspectorPort);
    await sampleFor(baselineMs, 'after', elapsed);
    await delay(intervalMs * 4); // the last /metrics answers

    // 5. What was stored, and what the server wrote on each connection.
    const answers = [];
    const connections = [];
    for (const client of clients) {
      let sentBytes = 0;
      for (const answer of client.answers.values()) {
        const stored = answer.start ? await storedAnswer(server.url, token, answer.start.sessionId, answer.start.messageId) : undefined;
        const sent = stored ? chunkFrameBytes(stored.content, answer.requestId) : { frames: 0, bytes: 0 };
        sentBytes += sent.bytes + (answer.start?.bytes ?? 0);
        answers.push({
          requestId: answer.requestId,
          started: answer.start !== undefined,
          storedStatus: stored?.status ?? 'not found',
          storedChars: stored?.content.length ?? 0,
          storedDurationMs: stored?.durationMs,
          serverSentChunks: sent.frames,
          deliveredChunks: answer.chunks,
          seqGaps: answer.seqGaps,
          end: answer.end ?? 'none',
          // What reached the client is a prefix of what was stored: nothing past the cut was sent.
          deliveredIsPrefixOfStored:
            stored !== undefined && createHash('sha1').update(stored.content.slice(0, answer.deliveredChars)).digest('hex') === answer.deliveredHash.digest('hex'),
        });
      }
      const readWhilePaused = client.bytesReadAtWindowEnd - client.bytesReadAtPause;
      connections.push({
        client: client.index,
        kibReadWhilePaused: round(readWhilePaused / 1024, 1),
        maxReceiveQueueKiB: round(client.maxReceiveQueue / 1024, 1),
        maxServerSendQueueKiB: round(client.maxServerSendQueue / 1024, 1),
        // What the server had handed to ws beyond what the kernel held at most and the client
        // read: its own queue when it closed the connection (sampled every --interval ms, so
        // an estimate).
        serverQueueAtCloseBytes: sentBytes - client.maxServerSendQueue - client.maxReceiveQueue - readWhilePaused,
        serverSentBytes: sentBytes,
        deliveredBytes: client.frameBytes,
        closeFrame: client.closeFrame ? `${client.closeFrame.code} ${client.closeFrame.reason}` : 'none',
        ended: client.ended ?? 'unknown',
      });
    }
    return {
      mode,
      clientCount,
      majorCollections: majorCollections(server.logFile, windowStartOnServerClock),
      failures,
      firstError,
      connectSeconds: round(connectSeconds, 2),
      allClosedAtSecond: allClosedAt === undefined ? undefined : round(allClosedAt / 1000, 2),
      drainSeconds: round(drainSeconds, 2),
      samples,
      answers,
      connections,
    };
  } finally {
    for (const client of clients) client.socket.destroy();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------

const machine = describeMachine();
printMachine(machine);
// The mock's own answer; its first closing sentence depends on the whole prompt, so the served
// one may differ by a sentence.
const answerFrameBytes = chunkFrameBytes(lengthen(composeAnswer('bench', [{ role: 'user', content: message }]), answerWords), 'slow-100-0').bytes;
console.log(
  `mock provider: ${answerWords} words an answer (${round(answerFrameBytes / MiB, 2)} MiB of chunk frames), chunk delay ${chunkDelayMs} ms; ` +
    `${answersPerClient} answers per client (${round((answersPerClient * answerFrameBytes) / MiB, 1)} MiB of frames per socket); WS_MAX_BUFFERED_BYTES at its default (${MAX_BUFFERED_BYTES / MiB} MiB); ` +
    `runs: ${plan.map((entry) => `${entry.clients} ${entry.mode}`).join(', ')}; sampled every ${intervalMs} ms for ${durationMs / 1000} s or until every connection was closed (+${settleMs / 1000} s, at most ${maxDurationMs / 1000} s)`,
);

const mockLiveMiB = await mockAnswerLiveMiB();
console.log(`the mock provider itself holds ${mockLiveMiB} MiB per running answer (the whole answer split into chunks up front), in the server's heap`);

const folder = makeTemporaryFolder('ws-slow-reader');
const fleetFile = path.join(folder, 'fleet.yaml');
writeFileSync(
  fleetFile,
  [
    'providers:',
    `  longmock: { type: mock, latencyMs: 0, chunkDelayMs: ${chunkDelayMs}, answerWords: ${answerWords} }`,
    '  shortmock: { type: mock, latencyMs: 0, chunkDelayMs: 0, answerWords: 150 }',
    'defaultAgent: Slow',
    'agents:',
    `  - id: ${slowAgentId}`,
    '    name: Slow',
    '    role: Benchmark agent',
    '    description: Streams very long mock answers for bench/ws-slow-reader.ts',
    '    soul: You answer at length.',
    '    model: { default: longmock/bench }',
    `  - id: ${shortAgentId}`,
    '    name: Short',
    '    role: Benchmark agent',
    '    description: Short mock answers for the warm-up of bench/ws-slow-reader.ts',
    '    soul: You answer briefly.',
    '    model: { default: shortmock/bench }',
    '',
  ].join('\n'),
);

const runs = [];
try {
  for (const entry of plan) {
    console.log(`\n${entry.clients} clients, ${entry.mode}…`);
    runs.push(await run(entry.mode, entry.clients, folder, fleetFile));
  }
} finally {
  removeFolder(folder);
}

const defined = (values: Array<number | undefined>) => values.filter((value): value is number => value !== undefined);
const medianOf = (samples: Sample[], pick: (sample: Sample) => number | undefined) => round(median(defined(samples.map(pick))), 1);
const summaries = runs.map((entry) => {
  const phase = (name: Phase) => entry.samples.filter((sample) => sample.phase === name);
  const [baseline, allWindow, gc, after] = [phase('baseline'), phase('window'), phase('gc'), phase('after')];
  const window = allWindow.filter((sample) => !sample.forcedGc);
  const probes = allWindow.filter((sample) => sample.forcedGc && sample.heapUsedMiB !== undefined);
  const liveProbe = probes.reduce<Sample | undefined>((best, sample) => (best === undefined || (sample.heapUsedMiB ?? 0) > (best.heapUsedMiB ?? 0) ? sample : best), undefined);
  const baselineRss = median(baseline.map((sample) => sample.rssMiB));
  const peak = window.reduce((best, sample) => (sample.rssMiB > best.rssMiB ? sample : best), window[0]);
  const last = window[window.length - 1];
  const closedAt = entry.allClosedAtSecond;
  const atClose = closedAt === undefined ? undefined : window.find((sample) => sample.t >= closedAt);
  const afterClose = closedAt === undefined ? [] : window.filter((sample) => sample.t >= closedAt);
  const connected = entry.connections.length;
  const windowCollections = entry.majorCollections.filter((collection) => collection.t >= 0 && collection.t <= last.t);
  return {
    mode: entry.mode,
    clients: entry.clientCount,
    connected,
    answers: entry.answers.length,
    failures: entry.failures,
    firstError: entry.firstError,
    connectSeconds: entry.connectSeconds,
    windowSeconds: last.t,
    allClosedAtSecond: closedAt,
    drainSeconds: entry.drainSeconds,
    rssMiB: {
      baseline: round(baselineRss, 1),
      peak: peak.rssMiB,
      peakAtSecond: peak.t,
      whenAllClosed: atClose?.rssMiB,
      maxAfterAllClosed: afterClose.length ? Math.max(...afterClose.map((sample) => sample.rssMiB)) : undefined,
      endOfWindow: last.rssMiB,
      afterFullGc: medianOf(gc, (sample) => sample.rssMiB),
      afterReadingAgainAndGc: medianOf(after, (sample) => sample.rssMiB),
    },
    rssGrowthPerClientMiB: round((peak.rssMiB - baselineRss) / Math.max(1, connected), 2),
    // V8's own full collections during the window (--trace-gc): how seldom garbage is reclaimed.
    majorCollectionsInWindow: windowCollections.filter((collection) => !collection.reason.startsWith('low memory notification')).length,
    // --gc-every: the largest heap found live by a forced full GC during the window.
    liveHeapMiB: liveProbe ? { max: liveProbe.heapUsedMiB, at: liveProbe.t, rssThen: liveProbe.rssMiB, probes: probes.length } : undefined,
    /** The mock's own share of the heap while every answer runs: its pre-split answers. */
    mockAnswersMiB: round(mockLiveMiB * entry.answers.length, 0),
    heapUsedMiB: {
      baseline: medianOf(baseline, (sample) => sample.heapUsedMiB),
      peak: Math.max(...defined(window.map((sample) => sample.heapUsedMiB))),
      afterFullGc: medianOf(gc, (sample) => sample.heapUsedMiB),
      afterReadingAgainAndGc: medianOf(after, (sample) => sample.heapUsedMiB),
    },
    heapTotalMiB: {
      baseline: medianOf(baseline, (sample) => sample.heapTotalMiB),
      peak: Math.max(...defined(window.map((sample) => sample.heapTotalMiB))),
      afterFullGc: medianOf(gc, (sample) => sample.heapTotalMiB),
    },
    externalMiB: { baseline: medianOf(baseline, (sample) => sample.externalMiB), peak: Math.max(...defined(window.map((sample) => sample.externalMiB))) },
    kernelMiB: {
      tcpBaseline: medianOf(baseline, (sample) => sample.kernelTcpMiB),
      tcpPeak: Math.max(...window.map((sample) => sample.kernelTcpMiB)),
      serverSendQueuePeak: Math.max(...window.map((sample) => sample.serverSendQueueMiB)),
      clientReceiveQueuePeak: Math.max(...window.map((sample) => sample.clientReceiveQueueMiB)),
    },
    clientKiBReadWhilePaused: spread(entry.connections.map((connection) => connection.kibReadWhilePaused), 1),
    clientReceiveQueueKiB: spread(entry.connections.map((connection) => connection.maxReceiveQueueKiB), 1),
    storedStatus: countBy(entry.answers, (answer) => answer.storedStatus),
    answerEnds: countBy(entry.answers, (answer) => answer.end),
    closeFrames: countBy(entry.connections, (connection) => connection.closeFrame),
    // At or over WS_MAX_BUFFERED_BYTES (less 64 KiB: the kernel queues are sampled, and a write
    // the kernel took in part still counts whole in bufferedAmount): cut by the buffer limit;
    // well under it: cut by something else (the heartbeat: no pong within two intervals).
    serverQueueAtCloseMiB: spread(entry.connections.map((connection) => connection.serverQueueAtCloseBytes / MiB), 2),
    cutAtBufferLimit: entry.connections.filter((connection) => connection.serverQueueAtCloseBytes >= MAX_BUFFERED_BYTES - 64 * 1024).length,
    connectionEnds: countBy(entry.connections, (connection) => connection.ended),
    seqGaps: entry.answers.reduce((sum, answer) => sum + answer.seqGaps, 0),
    deliveredIsPrefixOfStored: entry.answers.filter((answer) => answer.deliveredIsPrefixOfStored).length,
    answerDurationMs: spread(defined(entry.answers.map((answer) => answer.storedDurationMs)), 0),
    perConnectionMiB: {
      serverSent: spread(entry.connections.map((connection) => connection.serverSentBytes / MiB), 2),
      delivered: spread(entry.connections.map((connection) => connection.deliveredBytes / MiB), 2),
      neverDelivered: spread(entry.connections.map((connection) => (connection.serverSentBytes - connection.deliveredBytes) / MiB), 2),
      kernelHeld: spread(entry.connections.map((connection) => (connection.maxServerSendQueueKiB + connection.maxReceiveQueueKiB) / 1024), 2),
      wholeAnswers: round((answersPerClient * answerFrameBytes) / MiB, 2),
    },
  };
});

console.log('');
printTable(
  ['run', 'RSS base', 'RSS peak (s)', 'RSS all closed (s)', 'RSS max after', 'RSS after GC', 'RSS end', '(peak−base)/client', 'heap used base/peak/GC', 'live heap max (s)', 'mock answers', 'kernel TCP base/peak'],
  summaries.map((entry) => [
    `${entry.connected}/${entry.clients} ${entry.mode}`,
    entry.rssMiB.baseline,
    `${entry.rssMiB.peak} (${entry.rssMiB.peakAtSecond})`,
    `${entry.rssMiB.whenAllClosed ?? '–'} (${entry.allClosedAtSecond ?? 'never'})`,
    entry.rssMiB.maxAfterAllClosed ?? '–',
    entry.rssMiB.afterFullGc,
    entry.rssMiB.afterReadingAgainAndGc,
    entry.rssGrowthPerClientMiB,
    `${entry.heapUsedMiB.baseline} / ${entry.heapUsedMiB.peak} / ${entry.heapUsedMiB.afterFullGc}`,
    entry.liveHeapMiB ? `${entry.liveHeapMiB.max} (${entry.liveHeapMiB.at})` : `– (${entry.majorCollectionsInWindow} full GCs)`,
    entry.mockAnswersMiB,
    `${entry.kernelMiB.tcpBaseline} / ${entry.kernelMiB.tcpPeak}`,
  ]),
);
console.log(
  '(MiB; "RSS after GC": forced full GC at the end of the window; "RSS end": after the clients read again, closed, and another GC; ' +
    '"live heap max": the largest heap a forced full GC found live during the window (--gc-every; otherwise how many full GCs V8 made there); "mock answers": the mock provider\'s share of a live heap)\n',
);
printTable(
  ['run', 'answers stored', 'answer end seen', 'close frame seen', 'connection end', 'cut at 1 MiB', 'answer ms min/med/max', 'sent/conn MiB med/max', 'kernel held med', 'server queue at close med/max', 'delivered med'],
  summaries.map((entry) => [
    `${entry.clients} ${entry.mode}`,
    JSON.stringify(entry.storedStatus),
    JSON.stringify(entry.answerEnds),
    JSON.stringify(entry.closeFrames),
    JSON.stringify(entry.connectionEnds),
    `${entry.cutAtBufferLimit}/${entry.connected}`,
    `${entry.answerDurationMs.min} / ${entry.answerDurationMs.median} / ${entry.answerDurationMs.max}`,
    `${entry.perConnectionMiB.serverSent.median} / ${entry.perConnectionMiB.serverSent.max}`,
    entry.perConnectionMiB.kernelHeld.median,
    `${entry.serverQueueAtCloseMiB.median} / ${entry.serverQueueAtCloseMiB.max}`,
    entry.perConnectionMiB.delivered.median,
  ]),
);
console.log('');
for (const entry of runs) {
  const window = entry.samples.filter((sample) => sample.phase === 'window' && !sample.forcedGc);
  const everySecond = window.filter((_, index) => index % Math.round(1000 / intervalMs) === 0);
  console.log(`${entry.clientCount} ${entry.mode}, every second — s: RSS MiB / server ends established / kernel TCP MiB`);
  console.log('  ' + everySecond.map((sample) => `${sample.t}: ${sample.rssMiB}/${sample.serverEstablished}/${sample.kernelTcpMiB}`).join(', '));
}
console.log('');
const checks = summaries.flatMap((entry) => {
  const all = [
    { target: `${entry.clients} ${entry.mode}: all connected`, measured: `${entry.connected}`, met: entry.connected === entry.clients },
    { target: `${entry.clients} ${entry.mode}: every connection closed within the window`, measured: entry.allClosedAtSecond === undefined ? 'no' : `at ${entry.allClosedAtSecond} s`, met: entry.allClosedAtSecond !== undefined },
    {
      target: `${entry.clients} ${entry.mode}: what reached the client is a prefix of what was stored`,
      measured: `${entry.deliveredIsPrefixOfStored} / ${entry.answers}, ${entry.seqGaps} seq gaps`,
      met: entry.deliveredIsPrefixOfStored === entry.answers && entry.seqGaps === 0,
    },
    {
      target: `${entry.clients} ${entry.mode}: nothing retained once all is closed (heap used after a full GC ≤ baseline + 10 MiB)`,
      measured: `${entry.heapUsedMiB.afterReadingAgainAndGc} vs ${entry.heapUsedMiB.baseline} MiB`,
      met: entry.heapUsedMiB.afterReadingAgainAndGc <= entry.heapUsedMiB.baseline + 10,
    },
  ];
  if (entry.mode === 'reading') {
    return [...all, { target: `${entry.clients} reading: every answer complete`, measured: JSON.stringify(entry.storedStatus), met: entry.storedStatus.complete === entry.answers }];
  }
  return [
    ...all,
    // 16 KiB (highWaterMark) plus at most one read of 64 KiB already under way.
    { target: `${entry.clients} paused: a paused client reads nothing more (KiB read while paused, max ≤ 80)`, measured: `${entry.clientKiBReadWhilePaused.max} KiB`, met: entry.clientKiBReadWhilePaused.max <= 80 },
    {
      target: `${entry.clients} paused: no answer left running (stored complete or incomplete)`,
      measured: JSON.stringify(entry.storedStatus),
      met: (entry.storedStatus.incomplete ?? 0) + (entry.storedStatus.complete ?? 0) === entry.answers,
    },
    {
      target: `${entry.clients} paused: every connection cut, by the buffer limit (server queue ≥ 1 MiB when closed) or the heartbeat`,
      measured: `${entry.cutAtBufferLimit} by the buffer limit, ${entry.connected - entry.cutAtBufferLimit} otherwise`,
      met: entry.allClosedAtSecond !== undefined,
    },
    {
      target: `${entry.clients} paused: RSS stops growing once every connection is closed (max after ≤ at close + 5 %)`,
      measured: `${entry.rssMiB.maxAfterAllClosed ?? '–'} vs ${entry.rssMiB.whenAllClosed ?? '–'} MiB`,
      met: entry.rssMiB.maxAfterAllClosed !== undefined && entry.rssMiB.whenAllClosed !== undefined && entry.rssMiB.maxAfterAllClosed <= entry.rssMiB.whenAllClosed * 1.05,
    },
  ];
});
printTargets(checks);

// Forced collections change the RSS curve: such a run is written beside the plain one, not over it.
const file = writeResult(gcEveryMs > 0 ? `ws-slow-reader-gc-every-${values['gc-every']}` : 'ws-slow-reader', {
  benchmark: 'ws-slow-reader',
  machine,
  options: {
    plan,
    answersPerClient,
    answerWords,
    answerFrameBytes,
    chunkDelayMs,
    durationMs,
    settleMs,
    maxDurationMs,
    baselineMs,
    intervalMs,
    drainMs,
    gcEveryMs,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    addressCount,
    logLevel: values['log-level'],
    sqliteSynchronous: 'NORMAL',
  },
  results: summaries,
  mockAnswerLiveMiB: mockLiveMiB,
  samples: runs.map((entry) => ({ mode: entry.mode, clients: entry.clientCount, samples: entry.samples, majorCollections: entry.majorCollections })),
  connections: runs.map((entry) => ({ mode: entry.mode, clients: entry.clientCount, connections: entry.connections })),
  targets: checks,
});
console.log(`\nwritten: ${file}`);
