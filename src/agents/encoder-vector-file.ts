/**
 * The sentence encoder's vectors of the agents' texts, kept in a file of the data folder so that
 * a restart (or `fleetchat route`) does not embed them again: 100 agents' texts take about two
 * minutes to embed, and only milliseconds to read back.
 *
 * Format: a header line `fleetchat encoder vectors <model tag>\n`, then records of a 32-bit
 * little-endian byte length, the text in UTF-8 and its 512 float32 components. Records are only
 * ever appended, one batch per write. A file of another model, or a record cut short (a crash
 * mid-write), ends what is read: the rest is embedded again and appended. Texts that no agent
 * uses any more are dropped by `compact`, which the server runs at start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENCODER_DIMENSIONS, type SentenceEncoder } from './sentence-encoder.ts';

const HEADER_PREFIX = 'fleetchat encoder vectors ';
const LITTLE_ENDIAN = os.endianness() === 'LE';
// A routing text is cut at 2 000 characters: 8 000 bytes of UTF-8 at most, with room to spare.
const MAX_TEXT_BYTES = 64 * 1024;

export interface EncoderVectorFile {
  /** Vectors read from the file (and those appended since). */
  readonly vectors: Map<string, Float32Array>;
  append(entries: readonly (readonly [string, Float32Array])[]): void;
  /**
   * Forgets the vectors of texts not in `live`, and rewrites the file without them (a new file
   * renamed over the old one, so a crash leaves one or the other whole) once they are at least
   * `COMPACT_MIN_DEAD` records and a fifth of the file: below that, a rewrite is not worth it.
   */
  compact(live: ReadonlySet<string>): CompactResult;
}

export interface CompactResult {
  /** Records kept in the file. */
  kept: number;
  /** Records dropped from it (0 when it was not rewritten). */
  dropped: number;
}

/** Below this many unused records, the file is left as it is. */
export const COMPACT_MIN_DEAD = 64;

export function openEncoderVectorFile(file: string, modelTag: string): EncoderVectorFile {
  const header = Buffer.from(`${HEADER_PREFIX}${modelTag}\n`);
  const vectors = new Map<string, Float32Array>();
  let content: Buffer | undefined;
  try {
    content = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let valid = content !== undefined && content.subarray(0, header.length).equals(header);
  if (content !== undefined && valid) {
    let offset = header.length;
    const vectorBytes = ENCODER_DIMENSIONS * 4;
    while (offset + 4 <= content.length) {
      const textBytes = content.readUInt32LE(offset);
      if (textBytes > MAX_TEXT_BYTES || offset + 4 + textBytes + vectorBytes > content.length) break;
      const text = content.toString('utf8', offset + 4, offset + 4 + textBytes);
      const start = offset + 4 + textBytes;
      const vector = new Float32Array(ENCODER_DIMENSIONS);
      if (LITTLE_ENDIAN) new Uint8Array(vector.buffer).set(content.subarray(start, start + vectorBytes)); // one copy, not 512 reads
      else for (let dimension = 0; dimension < ENCODER_DIMENSIONS; dimension += 1) vector[dimension] = content.readFloatLE(start + dimension * 4);
      vectors.set(text, vector);
      offset = start + vectorBytes;
    }
    if (offset !== content.length) {
      // A record cut short: keep what was whole, and write the rest again from there.
      fs.truncateSync(file, offset);
    }
  }
  if (!valid) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, header);
    valid = true;
  }
  const recordOf = (text: string, vector: Float32Array): Buffer | undefined => {
    const encoded = Buffer.from(text, 'utf8');
    if (encoded.length > MAX_TEXT_BYTES || vector.length !== ENCODER_DIMENSIONS) return undefined;
    const record = Buffer.alloc(4 + encoded.length + vector.length * 4);
    record.writeUInt32LE(encoded.length, 0);
    encoded.copy(record, 4);
    if (LITTLE_ENDIAN) record.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength), 4 + encoded.length);
    else for (let dimension = 0; dimension < vector.length; dimension += 1) record.writeFloatLE(vector[dimension], 4 + encoded.length + dimension * 4);
    return record;
  };
  return {
    vectors,
    compact(live) {
      const dead = [...vectors.keys()].filter((text) => !live.has(text));
      const kept = vectors.size - dead.length;
      if (dead.length < COMPACT_MIN_DEAD || dead.length * 5 < vectors.size) return { kept: vectors.size, dropped: 0 };
      const buffers: Buffer[] = [header];
      for (const [text, vector] of vectors) {
        const record = live.has(text) ? recordOf(text, vector) : undefined;
        if (record) buffers.push(record);
      }
      const temporary = `${file}.${process.pid}.tmp`;
      try {
        const descriptor = fs.openSync(temporary, 'w');
        try {
          fs.writeSync(descriptor, Buffer.concat(buffers));
          fs.fsyncSync(descriptor);
        } finally {
          fs.closeSync(descriptor);
        }
        fs.renameSync(temporary, file);
      } catch (error) {
        try {
          fs.rmSync(temporary, { force: true });
        } catch {
          // Not ours to remove (a folder of that name): the original error says what went wrong.
        }
        throw error;
      }
      for (const text of dead) vectors.delete(text);
      return { kept, dropped: dead.length };
    },
    append(entries) {
      const fresh = entries.filter(([text]) => !vectors.has(text));
      if (fresh.length === 0) return;
      const buffers: Buffer[] = [];
      for (const [text, vector] of fresh) {
        const record = recordOf(text, vector);
        if (!record) continue;
        buffers.push(record);
        vectors.set(text, vector);
      }
      fs.appendFileSync(file, Buffer.concat(buffers));
    },
  };
}

/** The file's name in the data folder. */
export const ENCODER_VECTOR_FILE = 'encoder-vectors.bin';

/**
 * The encoder as the encoder router's source, with its background work (the agents' texts) read
 * from and written to the vector file. Messages are never stored: they rarely repeat. If the file
 * cannot be read or written, the encoder works as without it, and `onFileError` says why once.
 */
export function withVectorFile(
  encoder: Pick<SentenceEncoder, 'embed' | 'nearest' | 'modelTag'>,
  file: string,
  onFileError: (error: unknown) => void = () => {},
): VectorFileSource {
  let stored: EncoderVectorFile | undefined;
  let broken = false;
  const report = (error: unknown) => {
    if (!broken) onFileError(error);
    broken = true;
  };
  const open = (): EncoderVectorFile | undefined => {
    if (broken) return undefined;
    try {
      return (stored ??= openEncoderVectorFile(file, encoder.modelTag));
    } catch (error) {
      report(error);
      return undefined;
    }
  };
  return {
    nearest: (text, vectors, count) => encoder.nearest(text, vectors, count),
    async embed(texts, priority = 'message') {
      const opened = priority === 'background' ? open() : undefined;
      if (opened === undefined) return encoder.embed(texts, priority);
      // Taken before the wait, so that a compaction meanwhile cannot take a vector from this answer.
      const known = new Map<string, Float32Array>();
      for (const text of texts) {
        const vector = opened.vectors.get(text);
        if (vector) known.set(text, vector);
      }
      const missing = [...new Set(texts.filter((text) => !known.has(text)))];
      const fresh = await encoder.embed(missing, priority);
      const computed = new Map(missing.map((text, position) => [text, fresh[position]]));
      try {
        opened.append(missing.map((text) => [text, computed.get(text)!] as const));
      } catch (error) {
        report(error);
      }
      return texts.map((text) => known.get(text) ?? computed.get(text)!);
    },
    compact(live) {
      const opened = open();
      if (opened === undefined) return undefined;
      try {
        return opened.compact(live);
      } catch (error) {
        report(error);
        return undefined;
      }
    },
  };
}

/** The encoder with its vector file, and the file's housekeeping. */
export interface VectorFileSource extends Pick<SentenceEncoder, 'embed' | 'nearest'> {
  /** Drops the vectors of texts not in `live` (see `EncoderVectorFile.compact`); undefined when the file cannot be used. */
  compact(live: ReadonlySet<string>): CompactResult | undefined;
}
