/** Sentence vectors of the agents' routing texts (routing.mode encoder), shared by instances. */
import type { Store } from '../store.ts';
import { bytesToVector, textHash, vectorToBytes } from '../routing-vector-rows.ts';
import type { Database } from './connection.ts';
import { assertStorableText } from './text-guard.ts';

export type RoutingVectorMethods = Pick<Store, 'getRoutingVectors' | 'listRoutingTexts' | 'addRoutingVectors' | 'deleteRoutingVectors'>;

// Rows per statement: 2 KiB of vector each, so a statement moves at most a few MiB.
const ROWS_PER_STATEMENT = 1_000;

function* batches<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) yield items.slice(start, start + ROWS_PER_STATEMENT);
}

export function createRoutingVectorMethods(database: Database): RoutingVectorMethods {
  return {
    async getRoutingVectors(model, texts) {
      const found = new Map<string, Float32Array>();
      const wanted = new Set(texts);
      for (const batch of batches([...wanted])) {
        const result = await database.query<{ text: string; vector: Buffer }>({
          text: 'SELECT text, vector FROM routing_vectors WHERE model = $1 AND text_hash = ANY($2::text[])',
          values: [model, batch.map(textHash)],
        });
        // A hash shared by two texts would name the other text: only exact texts count.
        for (const row of result.rows) if (wanted.has(row.text)) found.set(row.text, bytesToVector(row.vector));
      }
      return found;
    },

    async listRoutingTexts(model) {
      const result = await database.query<{ text: string; created_at: Date }>({
        text: 'SELECT text, created_at FROM routing_vectors WHERE model = $1 ORDER BY created_at',
        values: [model],
      });
      return result.rows.map((row) => ({ text: row.text, createdAt: row.created_at }));
    },

    async addRoutingVectors(model, vectors, now) {
      for (const { text } of vectors) assertStorableText(text, 'routing text');
      // In the order of their hashes: two instances storing the same texts at once then take the
      // rows' locks in one order, and wait for each other instead of deadlocking.
      const rows = vectors.map(({ text, vector }) => ({ hash: textHash(text), text, vector })).sort((left, right) => (left.hash < right.hash ? -1 : left.hash > right.hash ? 1 : 0));
      for (const batch of batches(rows)) {
        // Another instance may store the same text at the same moment: the first one stays.
        await database.query({
          text: `INSERT INTO routing_vectors (model, text_hash, text, vector, created_at)
                 SELECT $1, hash, text, vector, $5 FROM unnest($2::text[], $3::text[], $4::bytea[]) AS input (hash, text, vector)
                 ON CONFLICT DO NOTHING`,
          values: [model, batch.map(({ hash }) => hash), batch.map(({ text }) => text), batch.map(({ vector }) => vectorToBytes(vector)), now],
        });
      }
    },

    async deleteRoutingVectors(model, texts, before) {
      let deleted = 0;
      for (const batch of batches(texts)) {
        const result = await database.query({
          text: 'DELETE FROM routing_vectors WHERE model = $1 AND text_hash = ANY($2::text[]) AND created_at < $3',
          values: [model, batch.map(textHash), before],
        });
        deleted += result.rowCount ?? 0;
      }
      return deleted;
    },
  };
}
