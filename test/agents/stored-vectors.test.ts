/**
 * Encoder mode's vectors of the agents' texts, kept in the store: what a restart or another
 * instance reads back instead of embedding the texts again. The real encoder, a real SQLite store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withStoredVectors } from '../../src/agents/stored-vectors.ts';
import { locateEncoder, startSentenceEncoder, type SentenceEncoder } from '../../src/agents/sentence-encoder.ts';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-stored-vectors-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
let stores = 0;
async function newStore(): Promise<SqliteStore> {
  const store = createSqliteStore({ filename: path.join(folder, `store-${++stores}.db`) });
  await store.migrate();
  return store;
}

describe.skipIf('missing' in locateEncoder())('the encoder with its vectors in the store', () => {
  let encoder: SentenceEncoder;
  beforeAll(async () => {
    encoder = startSentenceEncoder();
    await encoder.ready;
  });
  afterAll(async () => encoder.close());

  it('embeds the agents texts once; a restart or another instance reads them back; messages are never stored', async () => {
    const store = await newStore();
    const texts = ['book a flight to rome', 'a recipe for lasagna', 'refund my invoice'];
    const first = await withStoredVectors(encoder, store).embed(texts, 'background');
    const sent = encoder.counts.sent;
    const again = await withStoredVectors(encoder, store).embed([...texts].reverse(), 'background');
    expect(encoder.counts.sent).toBe(sent); // nothing embedded again
    again.reverse().forEach((vector, position) => expect(Array.from(vector)).toEqual(Array.from(first[position])));
    await withStoredVectors(encoder, store).embed(['is my flight late'], 'message');
    expect((await store.listRoutingTexts(encoder.modelTag)).map((entry) => entry.text).sort()).toEqual([...texts].sort());
    await store.close();
  });

  it('stores a long warm-up batch by batch as it goes, each text with its own vector', async () => {
    const store = await newStore();
    const texts = Array.from({ length: 320 }, (_, position) => `agent example number ${position} about ${position % 2 === 0 ? 'invoices' : 'flights'}`);
    let done = false;
    const warming = withStoredVectors(encoder, store)
      .embed(texts, 'background')
      .finally(() => (done = true));
    // While the last 64 texts are being embedded, the first 256 are already stored: a crash then
    // loses one batch, and other instances can read the rest.
    const seenWhileWarming = new Set<number>();
    while (!done) {
      if (!done) seenWhileWarming.add((await store.listRoutingTexts(encoder.modelTag)).length);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(seenWhileWarming).toContain(256);
    const vectors = await warming;
    const stored = await store.getRoutingVectors(encoder.modelTag, texts);
    expect(stored.size).toBe(320);
    for (const position of [0, 255, 256, 319]) {
      const [alone] = await encoder.embed([texts[position]], 'message');
      expect(Array.from(stored.get(texts[position])!)).toEqual(Array.from(vectors[position]));
      // The same text embedded alone: the same vector, to rounding.
      expect(Array.from(vectors[position]).reduce((sum, component, dimension) => sum + component * alone[dimension], 0)).toBeGreaterThan(0.999);
    }
    await store.close();
  });

  it('answers with the encoder alone when the store fails, and says so once', async () => {
    const store = await newStore();
    await store.close(); // every statement now throws
    const errors: unknown[] = [];
    const source = withStoredVectors(encoder, store, { onStoreError: (error) => errors.push(error) });
    expect(await source.embed(['hello there'], 'background')).toHaveLength(1);
    expect(await source.embed(['good morning'], 'background')).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/closed/);
  });

  it('deletes the vectors of texts no agent uses, but not those stored since the agents were read', async () => {
    const store = await newStore();
    let clock = new Date('2026-12-01T10:00:00Z');
    const source = withStoredVectors(encoder, store, { now: () => clock });
    await source.embed(['an example still in use', 'an example of an archived agent'], 'background');
    const since = new Date('2026-12-01T11:00:00Z');
    clock = new Date('2026-12-01T11:00:01Z'); // another instance's new agent, after the agents were read
    await source.embed(['an example of an agent created meanwhile'], 'background');
    expect(await source.compact(new Set(['an example still in use']), since)).toEqual({ kept: 2, dropped: 1 });
    expect((await store.listRoutingTexts(encoder.modelTag)).map((entry) => entry.text)).toEqual(['an example still in use', 'an example of an agent created meanwhile']);
    expect(await source.compact(new Set(['an example still in use']), since)).toEqual({ kept: 2, dropped: 0 });
    await store.close();
  });
});
