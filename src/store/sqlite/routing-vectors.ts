/** Sentence vectors of the agents' routing texts (routing.mode encoder), shared by restarts. */
import type { Database } from 'better-sqlite3';
import { bytesToVector, textHash, vectorToBytes } from '../routing-vector-rows.ts';
import { lazy, type SynchronousStore } from './repository.ts';

type RoutingVectorMethods = Pick<SynchronousStore, 'getRoutingVectors' | 'listRoutingTexts' | 'addRoutingVectors' | 'deleteRoutingVectors'>;

export function createRoutingVectorRepository(database: Database): RoutingVectorMethods {
  const statements = lazy(() => {
    const insert = database.prepare<[string, string, string, Buffer, number]>(
      'INSERT INTO routing_vectors (model, text_hash, text, vector, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const remove = database.prepare<[string, string, number]>('DELETE FROM routing_vectors WHERE model = ? AND text_hash = ? AND created_at < ?');
    return {
      // One lookup per text: faster here than one statement over a JSON array of hashes.
      one: database.prepare<[string, string]>('SELECT text, vector FROM routing_vectors WHERE model = ? AND text_hash = ?'),
      texts: database.prepare<[string]>('SELECT text, created_at FROM routing_vectors WHERE model = ? ORDER BY created_at'),
      insertAll: database.transaction((model: string, vectors: readonly { text: string; vector: Float32Array }[], now: number) => {
        for (const { text, vector } of vectors) insert.run(model, textHash(text), text, vectorToBytes(vector), now);
      }),
      deleteAll: database.transaction((model: string, texts: readonly string[], before: number) => {
        let deleted = 0;
        for (const text of texts) deleted += remove.run(model, textHash(text), before).changes;
        return deleted;
      }),
    };
  });
  return {
    getRoutingVectors(model, texts) {
      const found = new Map<string, Float32Array>();
      for (const text of new Set(texts)) {
        const row = statements().one.get(model, textHash(text)) as { text: string; vector: Buffer } | undefined;
        // A hash shared by two texts would name the other text: only the exact text counts.
        if (row !== undefined && row.text === text) found.set(text, bytesToVector(row.vector));
      }
      return found;
    },
    listRoutingTexts(model) {
      return (statements().texts.all(model) as { text: string; created_at: number }[]).map((row) => ({ text: row.text, createdAt: new Date(row.created_at) }));
    },
    addRoutingVectors(model, vectors, now) {
      if (vectors.length > 0) statements().insertAll(model, vectors, now.getTime());
    },
    deleteRoutingVectors(model, texts, before) {
      return texts.length === 0 ? 0 : statements().deleteAll(model, texts, before.getTime());
    },
  };
}
