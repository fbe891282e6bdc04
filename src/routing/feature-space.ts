/**
 * The vocabulary and TF-IDF weighting of an index, and its training texts as one compressed
 * sparse-row matrix (three typed arrays, no object per text or per feature), so that building
 * an index is a few linear passes over integers.
 */
import { runToEnd, type BuildSteps } from './build-steps.ts';
import { hashText, DEFAULT_HASHED_FEATURE_OPTIONS, type HashedFeatureOptions, type HashedText } from './hashed-features.ts';

export interface SparseVector {
  ids: Int32Array;
  values: Float32Array;
}

/** Rows of sparse vectors: row r's entries are at offsets[r] … offsets[r + 1] − 1. */
export interface SparseRows {
  readonly rowCount: number;
  readonly offsets: Int32Array;
  readonly ids: Int32Array;
  readonly values: Float32Array;
}

export interface FeatureSpaceOptions {
  hashing: HashedFeatureOptions;
  /** Share of the word block in a vector (the character block gets the rest), before the final L2 norm. */
  wordWeight: number;
}

export const DEFAULT_FEATURE_SPACE_OPTIONS: FeatureSpaceOptions = { hashing: DEFAULT_HASHED_FEATURE_OPTIONS, wordWeight: 0.5 };

export interface FeatureSpace {
  readonly featureCount: number;
  /** Sublinear TF × smoothed IDF, each block L2-normalised, then the whole L2-normalised. */
  vectorize(text: string | HashedText): SparseVector;
  readonly options: FeatureSpaceOptions;
}

/**
 * The feature space of the training texts and their TF-IDF rows, in one pass: each text's
 * codes are sorted and counted once, new codes get ids as they come, and the rows are weighted
 * in place once the document frequencies are known.
 */
export function buildFeatureSpace(
  texts: readonly HashedText[],
  options: FeatureSpaceOptions = DEFAULT_FEATURE_SPACE_OPTIONS,
): { space: FeatureSpace; rows: SparseRows } {
  return runToEnd(buildFeatureSpaceSteps(texts, options));
}

// Texts counted or weighted between two yields.
const TEXTS_PER_STEP = 256;

/** The same as a sequence of steps (src/routing/build-steps.ts). */
export function* buildFeatureSpaceSteps(
  texts: readonly HashedText[],
  options: FeatureSpaceOptions = DEFAULT_FEATURE_SPACE_OPTIONS,
): BuildSteps<{ space: FeatureSpace; rows: SparseRows }> {
  const featureIds = new Map<number, number>();
  let documentFrequency: Int32Array<ArrayBuffer> = new Int32Array(1024);
  let entryIds = new Int32Array(4096);
  let entryValues = new Float32Array(4096);
  let entryCount = 0;
  // Where each text's word block ends and its character block starts, for per-block norms.
  const blockSplit = new Int32Array(texts.length);
  const offsets = new Int32Array(texts.length + 1);
  for (let textIndex = 0; textIndex < texts.length; textIndex += 1) {
    if (textIndex % TEXTS_PER_STEP === TEXTS_PER_STEP - 1) yield;
    const text = texts[textIndex];
    for (const block of [text.word, text.char]) {
      if (entryCount + block.length > entryIds.length) {
        const grown = Math.max(entryIds.length * 2, entryCount + block.length);
        entryIds = growInt(entryIds, grown);
        entryValues = growFloat(entryValues, grown);
      }
      const sorted = Uint32Array.from(block).sort();
      for (let position = 0; position < sorted.length; ) {
        let end = position + 1;
        while (end < sorted.length && sorted[end] === sorted[position]) end += 1;
        let id = featureIds.get(sorted[position]);
        if (id === undefined) {
          id = featureIds.size;
          featureIds.set(sorted[position], id);
          if (id >= documentFrequency.length) documentFrequency = growInt(documentFrequency, documentFrequency.length * 2);
        }
        // A code in both blocks is impossible (distinct seeds), so each text counts a feature once.
        documentFrequency[id] += 1;
        entryIds[entryCount] = id;
        entryValues[entryCount] = 1 + Math.log(end - position); // sublinear TF, IDF applied below
        entryCount += 1;
        position = end;
      }
      if (block === text.word) blockSplit[textIndex] = entryCount;
    }
    offsets[textIndex + 1] = entryCount;
  }
  yield;
  // Smoothed IDF, as in common TF-IDF implementations: never zero, rare features weigh most.
  const idf = new Float32Array(featureIds.size);
  for (let id = 0; id < idf.length; id += 1) idf[id] = Math.log((1 + texts.length) / (1 + documentFrequency[id])) + 1;
  const wordWeight = Math.sqrt(options.wordWeight);
  const charWeight = Math.sqrt(1 - options.wordWeight);
  for (let entry = 0; entry < entryCount; entry += 1) entryValues[entry] *= idf[entryIds[entry]];
  for (let textIndex = 0; textIndex < texts.length; textIndex += 1) {
    if (textIndex % TEXTS_PER_STEP === TEXTS_PER_STEP - 1) yield;
    const wordNorm = normalizeRange(entryValues, offsets[textIndex], blockSplit[textIndex], wordWeight);
    const charNorm = normalizeRange(entryValues, blockSplit[textIndex], offsets[textIndex + 1], charWeight);
    scaleRange(entryValues, offsets[textIndex], offsets[textIndex + 1], 1 / (Math.sqrt(wordNorm + charNorm) || 1));
  }
  const rows: SparseRows = { rowCount: texts.length, offsets, ids: entryIds.slice(0, entryCount), values: entryValues.slice(0, entryCount) };

  function vectorize(input: string | HashedText): SparseVector {
    const text = typeof input === 'string' ? hashText(input, options.hashing) : input;
    const ids: number[] = [];
    const values: number[] = [];
    const split = addBlock(text.word, ids, values);
    addBlock(text.char, ids, values);
    const vector = { ids: Int32Array.from(ids), values: Float32Array.from(values) };
    const wordNorm = normalizeRange(vector.values, 0, split, wordWeight);
    const charNorm = normalizeRange(vector.values, split, values.length, charWeight);
    scaleRange(vector.values, 0, values.length, 1 / (Math.sqrt(wordNorm + charNorm) || 1));
    return vector;
  }

  /** Appends a block's known features with their TF-IDF; returns where the block ends. */
  function addBlock(codes: readonly number[], ids: number[], values: number[]): number {
    const sorted = Uint32Array.from(codes).sort();
    for (let position = 0; position < sorted.length; ) {
      let end = position + 1;
      while (end < sorted.length && sorted[end] === sorted[position]) end += 1;
      const id = featureIds.get(sorted[position]);
      if (id !== undefined) {
        ids.push(id);
        values.push((1 + Math.log(end - position)) * idf[id]);
      }
      position = end;
    }
    return values.length;
  }

  return { space: { featureCount: featureIds.size, vectorize, options }, rows };
}

/** Scales values[start…end) to L2 norm `weight`; returns the new squared norm (0 for an empty block). */
function normalizeRange(values: Float32Array, start: number, end: number, weight: number): number {
  let squaredNorm = 0;
  for (let position = start; position < end; position += 1) squaredNorm += values[position] * values[position];
  if (squaredNorm === 0) return 0;
  scaleRange(values, start, end, weight / Math.sqrt(squaredNorm));
  return weight * weight;
}

function scaleRange(values: Float32Array, start: number, end: number, factor: number): void {
  for (let position = start; position < end; position += 1) values[position] *= factor;
}

function growInt(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(length);
  grown.set(array);
  return grown;
}

function growFloat(array: Float32Array, length: number): Float32Array<ArrayBuffer> {
  const grown = new Float32Array(length);
  grown.set(array);
  return grown;
}

/** The transpose: for each feature, the rows containing it (an inverted index). */
export function transpose(rows: SparseRows, featureCount: number): SparseRows {
  return runToEnd(transposeSteps(rows, featureCount));
}

export function* transposeSteps(rows: SparseRows, featureCount: number): BuildSteps<SparseRows> {
  const offsets = new Int32Array(featureCount + 1);
  for (const id of rows.ids) offsets[id + 1] += 1;
  for (let feature = 0; feature < featureCount; feature += 1) offsets[feature + 1] += offsets[feature];
  const cursor = offsets.slice(0, featureCount);
  const ids = new Int32Array(rows.ids.length);
  const values = new Float32Array(rows.ids.length);
  for (let row = 0; row < rows.rowCount; row += 1) {
    if (row % TEXTS_PER_STEP === TEXTS_PER_STEP - 1) yield;
    for (let entry = rows.offsets[row]; entry < rows.offsets[row + 1]; entry += 1) {
      const slot = cursor[rows.ids[entry]]++;
      ids[slot] = row;
      values[slot] = rows.values[entry];
    }
  }
  return { rowCount: featureCount, offsets, ids, values };
}

/**
 * Rows with `width` dense columns appended (ids firstId … firstId + width − 1), taken from
 * `columns` (row-major, one row per sparse row); a row whose `present` flag is 0 gets none.
 */
export function* appendDenseColumnsSteps(rows: SparseRows, columns: Float32Array, width: number, present: Uint8Array, firstId: number): BuildSteps<SparseRows> {
  let extra = 0;
  for (let row = 0; row < rows.rowCount; row += 1) extra += present[row] === 1 ? width : 0;
  const offsets = new Int32Array(rows.rowCount + 1);
  const ids = new Int32Array(rows.ids.length + extra);
  const values = new Float32Array(rows.ids.length + extra);
  let cursor = 0;
  for (let row = 0; row < rows.rowCount; row += 1) {
    if (row % TEXTS_PER_STEP === TEXTS_PER_STEP - 1) yield;
    const start = rows.offsets[row];
    const end = rows.offsets[row + 1];
    ids.set(rows.ids.subarray(start, end), cursor);
    values.set(rows.values.subarray(start, end), cursor);
    cursor += end - start;
    if (present[row] === 1) {
      for (let column = 0; column < width; column += 1) ids[cursor + column] = firstId + column;
      values.set(columns.subarray(row * width, (row + 1) * width), cursor);
      cursor += width;
    }
  }
  offsets.set(rows.offsets);
  // Offsets shift by the dense entries of the rows before.
  let shift = 0;
  for (let row = 0; row < rows.rowCount; row += 1) {
    if (present[row] === 1) shift += width;
    offsets[row + 1] = rows.offsets[row + 1] + shift;
  }
  return { rowCount: rows.rowCount, offsets, ids, values };
}

/** A vector with dense columns appended (see appendDenseColumnsSteps). */
export function appendDense(vector: SparseVector, columns: Float32Array, firstId: number): SparseVector {
  const ids = new Int32Array(vector.ids.length + columns.length);
  const values = new Float32Array(vector.ids.length + columns.length);
  ids.set(vector.ids);
  values.set(vector.values);
  for (let column = 0; column < columns.length; column += 1) ids[vector.ids.length + column] = firstId + column;
  values.set(columns, vector.ids.length);
  return { ids, values };
}
