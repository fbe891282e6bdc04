/**
 * The sentence encoder's vectors of the agents' routing texts, kept in the store (SQLite or
 * PostgreSQL: the `routing_vectors` table) so that a restart, another instance or
 * `fleetchat route` does not embed them again: 100 agents' texts take about two minutes to embed,
 * and milliseconds to read back. Only the agents' texts are kept, never messages.
 */
import type { Store } from '../store/store.ts';
import type { SentenceEncoder } from './sentence-encoder.ts';

export type RoutingVectorStore = Pick<Store, 'getRoutingVectors' | 'listRoutingTexts' | 'addRoutingVectors' | 'deleteRoutingVectors'>;

export interface CompactResult {
  /** Vectors still stored for the model. */
  kept: number;
  /** Vectors deleted: those of texts no agent uses any more. */
  dropped: number;
}

/** The encoder with its stored vectors, and their housekeeping. */
export interface StoredVectorSource extends Pick<SentenceEncoder, 'embed' | 'nearest'> {
  /**
   * Deletes the stored vectors of texts outside `live` (every agent's routing texts, in every
   * workspace), among those stored before `since`: the moment `live` was read, so that the texts
   * of an agent created since (by this instance or another) are kept.
   */
  compact(live: ReadonlySet<string>, since: Date): Promise<CompactResult>;
}

// Texts embedded, then stored, at a time: a long warm-up saves its work as it goes, and other
// instances find it sooner.
const TEXTS_PER_WRITE = 256;

/**
 * The encoder as the encoder router's source, its background work (the agents' texts) read from
 * and written to the store. If the store fails, the encoder answers alone, and `onStoreError`
 * says why (once, until the store works again).
 */
export function withStoredVectors(
  encoder: Pick<SentenceEncoder, 'embed' | 'nearest' | 'modelTag'>,
  store: RoutingVectorStore,
  options: { onStoreError?: (error: unknown) => void; now?: () => Date } = {},
): StoredVectorSource {
  const model = encoder.modelTag;
  const now = options.now ?? (() => new Date());
  let failing = false;
  const report = (error: unknown) => {
    if (!failing) options.onStoreError?.(error);
    failing = true;
  };
  async function stored(texts: readonly string[]): Promise<Map<string, Float32Array>> {
    try {
      const found = await store.getRoutingVectors(model, texts);
      failing = false;
      return found;
    } catch (error) {
      report(error);
      return new Map();
    }
  }
  return {
    nearest: (text, vectors, count) => encoder.nearest(text, vectors, count),
    async embed(texts, priority = 'message') {
      if (priority !== 'background') return encoder.embed(texts, priority);
      const known = await stored(texts);
      const missing = [...new Set(texts.filter((text) => !known.has(text)))];
      for (let start = 0; start < missing.length; start += TEXTS_PER_WRITE) {
        const batch = missing.slice(start, start + TEXTS_PER_WRITE);
        const vectors = await encoder.embed(batch, priority);
        batch.forEach((text, position) => known.set(text, vectors[position]));
        try {
          await store.addRoutingVectors(model, batch.map((text, position) => ({ text, vector: vectors[position] })), now());
        } catch (error) {
          report(error);
        }
      }
      return texts.map((text) => known.get(text)!);
    },
    async compact(live, since) {
      const texts = await store.listRoutingTexts(model);
      const unused = texts.filter((entry) => entry.createdAt < since && !live.has(entry.text)).map((entry) => entry.text);
      const dropped = await store.deleteRoutingVectors(model, unused, since);
      return { kept: texts.length - dropped, dropped };
    },
  };
}
