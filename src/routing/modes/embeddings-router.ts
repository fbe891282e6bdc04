/**
 * The routers that blend sentence vectors with the embedded scores: `routing.mode: embeddings`
 * gets them from an OpenAI-compatible `POST {baseUrl}/embeddings`, `routing.mode: encoder` from
 * the bundled sentence encoder (src/agents/sentence-encoder.ts), through the same scoring.
 */
import { indexProfiles, scoreMessage, trainingTexts } from '../router-index.ts';
import { decideRoute, route } from '../route.ts';
import type { RouteInput, RouterIndex, RoutingCandidate, RoutingDecision } from '../types.ts';
import { withTimeout, type AsyncRouter, type FallbackListener, type RoutingMode } from './async-router.ts';

export interface EmbeddingsRouterOptions extends VectorRouterOptions {
  fetch: typeof fetch;
  /** e.g. `https://api.openai.com/v1`; `/embeddings` is appended. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  headers?: Record<string, string>;
  /** Per call to the provider; default 3 000 ms. */
  timeoutMs?: number;
  /** Texts per request, to stay under providers' batch limits; default 256. */
  batchSize?: number;
}

// How many of an agent's closest texts count: one lucky example should not win alone.
const TOP_EXAMPLES_PER_AGENT = 3;

export function createEmbeddingsRouter(options: EmbeddingsRouterOptions): AsyncRouter & { readonly cachedVectorCount: number } {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const batchSize = Math.max(1, options.batchSize ?? 256);

  async function embed(texts: readonly string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      const response = await withTimeout(
        (signal) =>
          options.fetch(options.baseUrl.replace(/\/+$/, '') + '/embeddings', {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
              ...options.headers,
            },
            body: JSON.stringify({ model: options.model, input: batch }),
            signal,
          }).then(async (answer) => {
            if (!answer.ok) throw new Error(`embeddings endpoint answered ${answer.status}`);
            return (await answer.json()) as unknown;
          }),
        timeoutMs,
      );
      vectors.push(...parseEmbeddings(response, batch.length).map(unitLength));
    }
    return vectors;
  }

  return createVectorRouter('embeddings', { embed, warmInBackground: false }, options);
}

/**
 * `routing.mode: encoder`: vectors from a local sentence encoder. Blend weight and temperature
 * are the embeddings mode's defaults, which 5-fold cross-validation over the CLINC examples
 * ranks first with this encoder too (94.0 % top-1; docs/ROUTING.md).
 */
export function createEncoderRouter(encoder: Required<Pick<VectorSource, 'embed' | 'nearest'>>, options: VectorRouterOptions = {}): VectorRouter {
  return createVectorRouter(
    'encoder',
    { embed: (texts, priority) => encoder.embed(texts, priority), nearest: (text, vectors, count) => encoder.nearest(text, vectors, count), warmInBackground: true },
    options,
  );
}

/** Where a vector router gets its sentence vectors (unit length, in the order of the texts). */
export interface VectorSource {
  embed(texts: readonly string[], priority: 'message' | 'background'): Promise<Float32Array[]>;
  /**
   * Optional: embeds `text` and returns `meanOfBestPerAgent(vectors, its vector, count)` where the
   * vectors are (a worker thread: the pass over every agent text stays off the event loop).
   */
  nearest?(text: string, vectors: PackedVectors, count: number): Promise<ArrayLike<number>>;
  /**
   * true: the agents' texts are embedded in the background, and messages are routed by the
   * embedded router until they all are (a local encoder: thousands of texts take seconds).
   * false: a message waits for its agents' missing texts, embedded with it in one call.
   */
  warmInBackground: boolean;
}

export interface VectorRouterOptions {
  /** Share of the vector scores in the blend, 0…1; default 0.5. */
  weight?: number;
  /** Softmax temperature turning cosine similarities into probabilities; default 0.05. */
  temperature?: number;
  onFallback?: FallbackListener;
}

export type VectorRouter = AsyncRouter & {
  readonly cachedVectorCount: number;
  /** Embeds the agents' texts of `index` that are not cached yet (what a message starts in the background). */
  warmUp(index: RouterIndex): Promise<void>;
};

/**
 * Cosine similarity between the message and every agent's training texts, the mean of each
 * agent's best three, as a softmax blended with the embedded scores. Vectors of the agents'
 * texts are cached per text while an index that has the text is alive, so each is embedded once,
 * even when the index is rebuilt after an agent changes; a text no live index has (a replaced
 * example, an archived agent's) leaves the cache when the last index that had it is collected.
 */
export function createVectorRouter(mode: RoutingMode, source: VectorSource, options: VectorRouterOptions = {}): VectorRouter {
  const cache = new Map<string, Float32Array>();
  const weight = Math.min(1, Math.max(0, options.weight ?? 0.5));
  const temperature = options.temperature ?? 0.05;
  let warming: Promise<void> | undefined;

  // How many live indexes have each text; the cache keeps only texts some live index has.
  const holders = new Map<string, number>();
  const collected = new FinalizationRegistry<string[]>((texts) => {
    for (const text of texts) {
      const count = (holders.get(text) ?? 1) - 1;
      if (count > 0) holders.set(text, count);
      else {
        holders.delete(text);
        cache.delete(text);
      }
    }
  });
  const keep = (text: string, vector: Float32Array) => {
    // A warm-up may finish after the last index that asked for the text is gone.
    if (holders.has(text)) cache.set(text, vector);
  };

  // Each index's training texts per agent, worked out once (an index is immutable).
  const textsOfIndex = new WeakMap<RouterIndex, string[][]>();
  function textsByAgent(index: RouterIndex): string[][] {
    let texts = textsOfIndex.get(index);
    if (texts === undefined) {
      textsOfIndex.set(index, (texts = indexProfiles(index).map((profile) => trainingTexts(profile))));
      const distinct = [...new Set(texts.flat())];
      for (const text of distinct) holders.set(text, (holders.get(text) ?? 0) + 1);
      collected.register(index, distinct);
    }
    return texts;
  }

  // Indexes whose texts are all cached (a live index's texts stay cached, so they stay so).
  const complete = new WeakSet<RouterIndex>();
  function missingTexts(index: RouterIndex): string[] {
    if (complete.has(index)) return [];
    const missing = [...new Set(textsByAgent(index).flat())].filter((text) => !cache.has(text));
    if (missing.length === 0) complete.add(index);
    return missing;
  }

  // The vectors of a complete index, agent after agent, in one matrix: one tight pass per message
  // (100 agents × 75 examples × 512 dimensions: a few milliseconds, not tens). The cache then
  // points into the matrix, so that each vector is held once (by the newest matrix that has it),
  // not once in the cache and again in the matrix.
  const packedOfIndex = new WeakMap<RouterIndex, PackedVectors>();
  function packed(index: RouterIndex): PackedVectors {
    let result = packedOfIndex.get(index);
    if (result === undefined) {
      const texts = textsByAgent(index);
      result = packVectors(texts.map((agentTexts) => agentTexts.map((text) => cache.get(text)!)));
      const { matrix, dimensions } = result;
      let row = 0;
      for (const text of texts.flat()) {
        cache.set(text, matrix.subarray(row * dimensions, (row + 1) * dimensions));
        row += 1;
      }
      packedOfIndex.set(index, result);
    }
    return result;
  }

  /** One warm-up at a time (the source is one worker or one provider); a second waits its turn. */
  async function warmUp(index: RouterIndex): Promise<void> {
    for (;;) {
      if (warming !== undefined) {
        await warming.catch(() => undefined); // someone else's; this call tries its own after it
        continue;
      }
      const missing = missingTexts(index);
      if (missing.length === 0) return;
      warming = source.embed(missing, 'background').then(
        (vectors) => {
          missing.forEach((text, position) => keep(text, vectors[position]));
          warming = undefined;
        },
        (error: unknown) => {
          warming = undefined;
          throw error;
        },
      );
      await warming;
    }
  }

  async function vectorScores(input: RouteInput): Promise<RoutingCandidate[] | undefined> {
    const missing = missingTexts(input.index);
    let query: Float32Array;
    if (missing.length > 0 && source.warmInBackground) {
      // One warm-up at a time; messages meanwhile do not queue more of them.
      if (warming === undefined) warmUp(input.index).catch((error: unknown) => options.onFallback?.(mode, error));
      return undefined;
    } else if (missing.length > 0) {
      // The message is not cached: messages rarely repeat and would grow the cache without bound.
      const [messageVector, ...missingVectors] = await source.embed([input.message, ...missing], 'message');
      missing.forEach((text, position) => keep(text, missingVectors[position]));
      query = messageVector;
    } else if (source.nearest !== undefined) {
      return softmaxOverAgents(input.index, Array.from(await source.nearest(input.message, packed(input.index), TOP_EXAMPLES_PER_AGENT)));
    } else {
      [query] = await source.embed([input.message], 'message');
    }
    return softmaxOverAgents(input.index, meanOfBestPerAgent(packed(input.index), query, TOP_EXAMPLES_PER_AGENT));
  }

  function softmaxOverAgents(index: RouterIndex, similarities: number[]): RoutingCandidate[] {
    const profiles = indexProfiles(index);
    const maximum = Math.max(...similarities);
    const exponentials = similarities.map((similarity) => Math.exp((similarity - maximum) / temperature));
    const total = exponentials.reduce((sum, value) => sum + value, 0);
    return profiles.map((profile, position) => ({ agentId: profile.id, score: exponentials[position] / total }));
  }

  return {
    mode,
    get cachedVectorCount() {
      return cache.size;
    },
    warmUp,
    async route(input: RouteInput): Promise<RoutingDecision> {
      // Rules need no vectors; the embedded candidates explain them well enough.
      if (input.explicitAgentId !== undefined || input.context.sessionAgentId !== undefined) return route(input);
      if (input.index.agentIds.length === 0) return route(input);
      try {
        const scores = await vectorScores(input);
        if (scores === undefined) return route(input);
        const fromVectors = new Map(scores.map((candidate) => [candidate.agentId, candidate.score]));
        const blended = scoreMessage(input.index, input.message)
          .map((candidate) => ({
            agentId: candidate.agentId,
            score: Math.round(((1 - weight) * candidate.score + weight * (fromVectors.get(candidate.agentId) ?? 0)) * 10_000) / 10_000,
          }))
          .sort((left, right) => right.score - left.score);
        return decideRoute(input, blended);
      } catch (error) {
        options.onFallback?.(mode, error);
        return route(input);
      }
    },
  };
}

export interface PackedVectors {
  dimensions: number;
  /** Row r is a text's vector; agent a's rows are starts[a] … starts[a + 1] − 1. */
  matrix: Float32Array;
  starts: Int32Array;
}

export function packVectors(vectorsByAgent: Float32Array[][]): PackedVectors {
  const dimensions = vectorsByAgent.flat()[0]?.length ?? 0;
  const starts = new Int32Array(vectorsByAgent.length + 1);
  vectorsByAgent.forEach((vectors, agent) => (starts[agent + 1] = starts[agent] + vectors.length));
  // Shared memory: a worker thread can read it without a copy (VectorSource.nearest).
  const matrix = new Float32Array(new SharedArrayBuffer(starts[vectorsByAgent.length] * dimensions * Float32Array.BYTES_PER_ELEMENT));
  let row = 0;
  for (const vectors of vectorsByAgent) {
    for (const vector of vectors) {
      if (vector.length !== dimensions) throw new Error('embedding dimensions differ');
      matrix.set(vector, row * dimensions);
      row += 1;
    }
  }
  return { dimensions, matrix, starts };
}

/**
 * Per agent, the mean cosine of its `count` texts closest to `query` (−1 for an agent with none).
 * Self-contained (no closure, no helper): the sentence encoder's worker runs its source text.
 */
export function meanOfBestPerAgent({ dimensions, matrix, starts }: PackedVectors, query: Float32Array, count: number): number[] {
  if (matrix.length > 0 && query.length !== dimensions) throw new Error('embedding dimensions differ');
  const means: number[] = [];
  const best = new Float64Array(count);
  for (let agent = 0; agent + 1 < starts.length; agent += 1) {
    best.fill(-Infinity);
    for (let row = starts[agent]; row < starts[agent + 1]; row += 1) {
      let similarity = 0;
      const base = row * dimensions;
      for (let dimension = 0; dimension < dimensions; dimension += 1) similarity += query[dimension] * matrix[base + dimension];
      // Keep the `count` largest, in descending order.
      for (let slot = 0; slot < count; slot += 1) {
        if (similarity > best[slot]) {
          best.copyWithin(slot + 1, slot, count - 1);
          best[slot] = similarity;
          break;
        }
      }
    }
    const kept = Math.min(count, starts[agent + 1] - starts[agent]);
    let sum = 0;
    for (let slot = 0; slot < kept; slot += 1) sum += best[slot];
    means.push(kept === 0 ? -1 : sum / kept);
  }
  return means;
}

function parseEmbeddings(body: unknown, expected: number): Float32Array[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== expected) throw new Error('embeddings answer has no data of the expected length');
  const vectors: Float32Array[] = new Array(expected);
  data.forEach((item: { embedding?: unknown; index?: unknown }, position) => {
    const index = typeof item?.index === 'number' ? item.index : position;
    if (!Array.isArray(item?.embedding) || index < 0 || index >= expected || !item.embedding.every((value) => typeof value === 'number')) {
      throw new Error('embeddings answer holds a malformed item');
    }
    vectors[index] = Float32Array.from(item.embedding as number[]);
  });
  // A plain loop: array methods skip the holes that missing items leave.
  for (let position = 0; position < expected; position += 1) {
    if (vectors[position] === undefined) throw new Error('embeddings answer is missing items');
  }
  if (new Set(vectors.map((vector) => vector.length)).size !== 1) {
    throw new Error('embeddings answer mixes dimensions');
  }
  return vectors;
}

/**
 * The vector scaled to unit length (a new array; all zeros stay zeros).
 * Self-contained, like meanOfBestPerAgent: the sentence encoder's worker runs its source text.
 */
export function unitLength(vector: Float32Array): Float32Array {
  let squaredNorm = 0;
  for (const value of vector) squaredNorm += value * value;
  const norm = Math.sqrt(squaredNorm) || 1;
  return vector.map((value) => value / norm);
}
