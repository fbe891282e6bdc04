import { describe, expect, it } from 'vitest';
import { buildFeatureSpace, transpose } from '../../src/routing/feature-space.ts';
import { hashText } from '../../src/routing/hashed-features.ts';
import { buildRouterIndex, scoreMessage } from '../../src/routing/index.ts';
import { PROFILES, profile } from './fixtures.ts';

const TEXTS = ['book a flight to rome', 'refund my last invoice', 'flights flights to paris', ''];

describe('hashed features and the feature space', () => {
  it('hashes deterministically into small integers, keeping words, pairs and n-grams apart', () => {
    const first = hashText('Book a flight to Rome');
    expect(hashText('book a flight to rome')).toEqual(first);
    for (const code of [...first.word, ...first.char]) expect(code >= 0 && code < 2 ** 30).toBe(true);
    expect(first.contentStems).toEqual(['book', 'flight', 'rome']);
  });
  it('builds rows equal to vectorizing each training text, each of unit norm', () => {
    const hashed = TEXTS.map((text) => hashText(text));
    const { space, rows } = buildFeatureSpace(hashed);
    TEXTS.forEach((text, row) => {
      const vector = space.vectorize(text);
      expect(Array.from(rows.ids.subarray(rows.offsets[row], rows.offsets[row + 1]))).toEqual(Array.from(vector.ids));
      Array.from(rows.values.subarray(rows.offsets[row], rows.offsets[row + 1])).forEach((value, position) => expect(value).toBeCloseTo(vector.values[position], 5));
      const norm = Math.hypot(...vector.values);
      expect(norm === 0 || Math.abs(norm - 1) < 1e-5).toBe(true);
    });
    expect(space.vectorize('zzzz qqqq').ids).toHaveLength(0); // unseen features carry no weight
  });
  it('transposes rows into an inverted index', () => {
    const { space, rows } = buildFeatureSpace(TEXTS.map((text) => hashText(text)));
    const postings = transpose(rows, space.featureCount);
    expect(postings.ids.length).toBe(rows.ids.length);
    const flight = space.vectorize('flight').ids[0];
    const containing = Array.from(postings.ids.subarray(postings.offsets[flight], postings.offsets[flight + 1]));
    expect(containing).toContain(0);
  });
});

describe('many agents (sampled rivals)', () => {
  // More agents than the classifier's rivals, so each agent competes only with its closest ones.
  const many = Array.from({ length: 30 }, (_, copy) =>
    PROFILES.map((agent) => profile(`${agent.id}-${copy}`, agent.description, agent.examples.map((example) => `${example} zone${copy}`))),
  ).flat();
  const index = buildRouterIndex(many);
  it('routes to the agent whose examples match, scores within [0, 1] summing to at most 1', () => {
    const scores = scoreMessage(index, 'i need a refund for my invoice zone7');
    expect(scores[0].agentId).toBe('billing-7');
    expect(scores).toHaveLength(many.length);
    expect(scores.reduce((sum, { score }) => sum + score, 0)).toBeLessThanOrEqual(1.001);
  });
});
