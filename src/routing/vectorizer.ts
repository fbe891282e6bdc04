/**
 * TF-IDF over two blocks of features (stemmed words and word pairs; character n-grams), each
 * block L2-normalised before the two are joined, so that long texts with many n-grams do not
 * drown the word evidence. The vocabulary is frozen at build time: unseen features carry no
 * weight in the classifier anyway.
 */
import { charFeatures, countFeatures, tokenize, wordFeatures, DEFAULT_FEATURE_OPTIONS, type FeatureOptions } from './text-features.ts';

export interface SparseVector {
  ids: Int32Array;
  values: Float32Array;
}

export interface Vectorizer {
  readonly featureCount: number;
  vectorize(text: string): SparseVector;
}

export function buildVectorizer(texts: string[], options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): Vectorizer {
  const featureIds = new Map<string, number>();
  const documentFrequency: number[] = [];
  for (const text of texts) {
    const tokens = tokenize(text);
    const seen = new Set([...wordFeatures(tokens, options), ...charFeatures(tokens, options)]);
    for (const feature of seen) {
      let id = featureIds.get(feature);
      if (id === undefined) {
        id = featureIds.size;
        featureIds.set(feature, id);
        documentFrequency.push(0);
      }
      documentFrequency[id] += 1;
    }
  }
  // Smoothed IDF, as in common TF-IDF implementations: never zero, rare features weigh most.
  const inverseDocumentFrequency = Float32Array.from(
    documentFrequency,
    (frequency) => Math.log((1 + texts.length) / (1 + frequency)) + 1,
  );

  function addBlock(features: string[], ids: number[], values: number[]): void {
    const start = values.length;
    let squaredNorm = 0;
    for (const [feature, count] of countFeatures(features)) {
      const id = featureIds.get(feature);
      if (id === undefined) continue;
      const value = (1 + Math.log(count)) * inverseDocumentFrequency[id];
      ids.push(id);
      values.push(value);
      squaredNorm += value * value;
    }
    const norm = Math.sqrt(squaredNorm) || 1;
    for (let position = start; position < values.length; position += 1) values[position] /= norm;
  }

  return {
    featureCount: featureIds.size,
    vectorize(text: string): SparseVector {
      const tokens = tokenize(text);
      const ids: number[] = [];
      const values: number[] = [];
      addBlock(wordFeatures(tokens, options), ids, values);
      addBlock(charFeatures(tokens, options), ids, values);
      let squaredNorm = 0;
      for (const value of values) squaredNorm += value * value;
      const norm = Math.sqrt(squaredNorm) || 1;
      return { ids: Int32Array.from(ids), values: Float32Array.from(values, (value) => value / norm) };
    },
  };
}
