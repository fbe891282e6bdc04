/**
 * `routing.mode: embeddings`: cosine similarity between the message and every agent's training
 * texts, from an OpenAI-compatible `POST {baseUrl}/embeddings`, blended with the embedded scores.
 * Example vectors are cached per text (and model), so each example is embedded once for the life
 * of the process, even when the index is rebuilt after an agent changes.
 */
import { indexProfiles, scoreMessage, trainingTexts } from '../router-index.ts';
import { decideRoute, route } from '../route.ts';
import type { RouteInput, RoutingCandidate, RoutingDecision } from '../types.ts';
import { withTimeout, type AsyncRouter, type FallbackListener } from './async-router.ts';

export interface EmbeddingsRouterOptions {
  fetch: typeof fetch;
  /** e.g. `https://api.openai.com/v1`; `/embeddings` is appended. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  headers?: Record<string, string>;
  /** Per call to the provider; default 3 000 ms. */
  timeoutMs?: number;
  /** Share of the embeddings scores in the blend, 0…1; default 0.5. */
  weight?: number;
  /** Softmax temperature turning cosine similarities into probabilities; default 0.05. */
  temperature?: number;
  /** Texts per request, to stay under providers' batch limits; default 256. */
  batchSize?: number;
  onFallback?: FallbackListener;
}

// How many of an agent's closest texts count: one lucky example should not win alone.
const TOP_EXAMPLES_PER_AGENT = 3;

export function createEmbeddingsRouter(options: EmbeddingsRouterOptions): AsyncRouter & { readonly cachedVectorCount: number } {
  const cache = new Map<string, Float32Array>();
  const timeoutMs = options.timeoutMs ?? 3_000;
  const weight = Math.min(1, Math.max(0, options.weight ?? 0.5));
  const temperature = options.temperature ?? 0.05;
  const batchSize = Math.max(1, options.batchSize ?? 256);

  async function embed(texts: string[]): Promise<Float32Array[]> {
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
      vectors.push(...parseEmbeddings(response, batch.length));
    }
    return vectors;
  }

  async function embeddingScores(input: RouteInput): Promise<RoutingCandidate[]> {
    const profiles = indexProfiles(input.index);
    const textsByAgent = profiles.map((profile) => trainingTexts(profile));
    const cacheKey = (text: string) => options.model + '\u0000' + text;
    const missing = [...new Set(textsByAgent.flat())].filter((text) => !cache.has(cacheKey(text)));
    // The message is not cached: messages rarely repeat and would grow the cache without bound.
    const [messageVector, ...missingVectors] = await embed([input.message, ...missing]);
    missing.forEach((text, position) => cache.set(cacheKey(text), normalize(missingVectors[position])));
    const query = normalize(messageVector);
    const similarities = textsByAgent.map((texts) => {
      const best = texts.map((text) => dot(query, cache.get(cacheKey(text))!)).sort((left, right) => right - left);
      const top = best.slice(0, TOP_EXAMPLES_PER_AGENT);
      return top.length === 0 ? -1 : top.reduce((sum, value) => sum + value, 0) / top.length;
    });
    const maximum = Math.max(...similarities);
    const exponentials = similarities.map((similarity) => Math.exp((similarity - maximum) / temperature));
    const total = exponentials.reduce((sum, value) => sum + value, 0);
    return profiles.map((profile, position) => ({ agentId: profile.id, score: exponentials[position] / total }));
  }

  return {
    mode: 'embeddings',
    get cachedVectorCount() {
      return cache.size;
    },
    async route(input: RouteInput): Promise<RoutingDecision> {
      // Rules need no scores from the provider; the embedded candidates explain them well enough.
      if (input.explicitAgentId !== undefined || input.context.sessionAgentId !== undefined) return route(input);
      if (input.index.agentIds.length === 0) return route(input);
      try {
        const fromEmbeddings = new Map((await embeddingScores(input)).map((candidate) => [candidate.agentId, candidate.score]));
        const blended = scoreMessage(input.index, input.message)
          .map((candidate) => ({
            agentId: candidate.agentId,
            score: Math.round(((1 - weight) * candidate.score + weight * (fromEmbeddings.get(candidate.agentId) ?? 0)) * 10_000) / 10_000,
          }))
          .sort((left, right) => right.score - left.score);
        return decideRoute(input, blended);
      } catch (error) {
        options.onFallback?.('embeddings', error);
        return route(input);
      }
    },
  };
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

function normalize(vector: Float32Array): Float32Array {
  let squaredNorm = 0;
  for (const value of vector) squaredNorm += value * value;
  const norm = Math.sqrt(squaredNorm) || 1;
  return vector.map((value) => value / norm);
}

function dot(left: Float32Array, right: Float32Array): number {
  if (left.length !== right.length) throw new Error('embedding dimensions differ');
  let sum = 0;
  for (let position = 0; position < left.length; position += 1) sum += left[position] * right[position];
  return sum;
}
