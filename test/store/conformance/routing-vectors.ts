/** Conformance: the routing vectors that encoder mode keeps for the agents' texts. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import { at, type StoreGetter } from './fixtures.ts';

const vector = (seed: number) => Float32Array.from({ length: 512 }, (_, position) => Math.sin(seed * 1000 + position));
// Each test its own model name: the PostgreSQL suite shares one database.
const newModel = () => `encoder-${newId()}@1`;
const components = (vectors: Map<string, Float32Array>, text: string) => Array.from(vectors.get(text) ?? []);

export function describeRoutingVectors(store: StoreGetter): void {
  describe('routing vectors', () => {
    it('reads back the vectors asked for, to the bit, of that model only', async () => {
      const model = newModel();
      const long = `a long routing text ${'é'.repeat(3_000)} ✓`;
      await store().addRoutingVectors(model, [{ text: 'book a flight', vector: vector(1) }, { text: long, vector: vector(2) }], at(1_000));
      await store().addRoutingVectors(newModel(), [{ text: 'refund my invoice', vector: vector(4) }], at(1_500));
      const found = await store().getRoutingVectors(model, ['book a flight', long, 'refund my invoice', 'book a flight']);
      expect([...found.keys()].sort()).toEqual([long, 'book a flight'].sort());
      expect(components(found, 'book a flight')).toEqual(Array.from(vector(1)));
      expect(components(found, long)).toEqual(Array.from(vector(2)));
      expect((await store().getRoutingVectors(model, [])).size).toBe(0);
    });

    it('lists the texts of a model, oldest first', async () => {
      const model = newModel();
      await store().addRoutingVectors(model, [{ text: 'first', vector: vector(1) }], at(1_000));
      await store().addRoutingVectors(model, [{ text: 'second', vector: vector(2) }], at(2_000));
      await store().addRoutingVectors(newModel(), [{ text: 'other model', vector: vector(3) }], at(1_500));
      expect(await store().listRoutingTexts(model)).toEqual([
        { text: 'first', createdAt: at(1_000) },
        { text: 'second', createdAt: at(2_000) },
      ]);
      expect(await store().listRoutingTexts(newModel())).toEqual([]);
    });

    it('keeps the first vector of a text stored twice (two instances embedding at once)', async () => {
      const model = newModel();
      await store().addRoutingVectors(model, [{ text: 'hello', vector: vector(5) }], at(1_000));
      await store().addRoutingVectors(model, [{ text: 'hello', vector: vector(6) }, { text: 'bye', vector: vector(7) }], at(2_000));
      const found = await store().getRoutingVectors(model, ['hello', 'bye']);
      expect(components(found, 'hello')).toEqual(Array.from(vector(5)));
      expect(components(found, 'bye')).toEqual(Array.from(vector(7)));
      expect(await store().listRoutingTexts(model)).toEqual([
        { text: 'hello', createdAt: at(1_000) },
        { text: 'bye', createdAt: at(2_000) },
      ]);
    });

    it('two instances storing the same texts at once, in opposite orders, both succeed', async () => {
      const model = newModel();
      const entries = Array.from({ length: 1_500 }, (_, position) => ({ text: `shared example ${position}`, vector: vector(position) }));
      await Promise.all([store().addRoutingVectors(model, entries, at(1_000)), store().addRoutingVectors(model, [...entries].reverse(), at(1_000))]);
      expect(await store().listRoutingTexts(model)).toHaveLength(1_500);
    });

    it('stores and reads back thousands at once', async () => {
      const model = newModel();
      const many = Array.from({ length: 2_500 }, (_, position) => ({ text: `example ${position}`, vector: vector(position) }));
      await store().addRoutingVectors(model, many, at(1_000));
      const found = await store().getRoutingVectors(model, many.map((entry) => entry.text));
      expect(found.size).toBe(2_500);
      expect(components(found, 'example 2499')).toEqual(Array.from(vector(2_499)));
      expect(await store().deleteRoutingVectors(model, many.map((entry) => entry.text), at(2_000))).toBe(2_500);
    });

    it('deletes the named texts stored before a time, and only those', async () => {
      const model = newModel();
      await store().addRoutingVectors(model, [{ text: 'old and unused', vector: vector(1) }, { text: 'old and used', vector: vector(2) }], at(1_000));
      await store().addRoutingVectors(model, [{ text: 'new and unknown to the caller', vector: vector(3) }], at(5_000));
      const deleted = await store().deleteRoutingVectors(model, ['old and unused', 'new and unknown to the caller', 'never stored'], at(4_000));
      expect(deleted).toBe(1);
      expect((await store().listRoutingTexts(model)).map((row) => row.text)).toEqual(['old and used', 'new and unknown to the caller']);
      expect(await store().deleteRoutingVectors(model, [], at(9_000))).toBe(0);
    });
  });
}
