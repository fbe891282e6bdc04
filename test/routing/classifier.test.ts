import { describe, expect, it } from 'vitest';
import { compact, denseLogits } from '../../src/routing/classifier.ts';

function seeded(seed: number) {
  let state = seed;
  return () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
}

describe('the trained weights, stored without their zeros', () => {
  const featureCount = 500;
  const classCount = 40;
  const random = seeded(7);
  // As after training with sampled rivals: each feature moved a few classes, the rest stayed 0.
  const weights = new Float32Array(featureCount * classCount);
  for (let feature = 0; feature < featureCount; feature += 1) {
    for (let moved = 0; moved < 6; moved += 1) weights[feature * classCount + Math.floor(random() * classCount)] = random() * 2 - 1;
  }
  const bias = Float64Array.from({ length: classCount }, () => random() - 0.5);

  it('gives exactly the logits of the full matrix', () => {
    const sparse = compact(weights, bias, featureCount, classCount);
    const full = denseLogits(weights, bias, classCount);
    for (let trial = 0; trial < 50; trial += 1) {
      const ids = Int32Array.from({ length: 30 }, () => Math.floor(random() * featureCount)).sort();
      const values = Float32Array.from(ids, () => random() * 2 - 1);
      const vector = { ids, values };
      expect(sparse.logits(vector, new Float64Array(classCount))).toEqual(full(vector, new Float64Array(classCount)));
    }
  });

  it('is right too when most weights are non-zero (then kept as the full matrix, smaller than pairs)', () => {
    const dense = Float32Array.from({ length: 20 * 4 }, () => random() + 0.1);
    const classifier = compact(dense, new Float64Array(4), 20, 4);
    const vector = { ids: Int32Array.of(3, 7), values: Float32Array.of(1, 0.5) };
    const expected = [0, 1, 2, 3].map((label) => dense[3 * 4 + label] * 1 + dense[7 * 4 + label] * 0.5);
    Array.from(classifier.logits(vector, new Float64Array(4))).forEach((logit, label) => expect(logit).toBeCloseTo(expected[label], 6));
  });
});
