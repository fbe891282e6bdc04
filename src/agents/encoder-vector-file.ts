/**
 * The sentence encoder's vectors of the agents' texts, kept in a file of the data folder so that
 * a restart (or `fleetchat route`) does not embed them again: 100 agents' texts take about two
 * minutes to embed, and only milliseconds to read back.
 *
 * Format: a header line `fleetchat encoder vectors <model tag>\n`, then records of a 32-bit
 * little-endian byte length, the text in UTF-8 and its 512 float32 components. Records are only
 * ever appended, one batch per write. A file of another model, or a record cut short (a crash
 * mid-write), ends what is read: the rest is embedded again and appended.
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
}

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
  return {
    vectors,
    append(entries) {
      const fresh = entries.filter(([text]) => !vectors.has(text));
      if (fresh.length === 0) return;
      const buffers: Buffer[] = [];
      for (const [text, vector] of fresh) {
        const encoded = Buffer.from(text, 'utf8');
        if (encoded.length > MAX_TEXT_BYTES || vector.length !== ENCODER_DIMENSIONS) continue;
        const record = Buffer.alloc(4 + encoded.length + vector.length * 4);
        record.writeUInt32LE(encoded.length, 0);
        encoded.copy(record, 4);
        if (LITTLE_ENDIAN) record.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength), 4 + encoded.length);
        else for (let dimension = 0; dimension < vector.length; dimension += 1) record.writeFloatLE(vector[dimension], 4 + encoded.length + dimension * 4);
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
): Pick<SentenceEncoder, 'embed' | 'nearest'> {
  let stored: EncoderVectorFile | undefined;
  let broken = false;
  const report = (error: unknown) => {
    if (!broken) onFileError(error);
    broken = true;
  };
  return {
    nearest: (text, vectors, count) => encoder.nearest(text, vectors, count),
    async embed(texts, priority = 'message') {
      if (priority !== 'background' || broken) return encoder.embed(texts, priority);
      try {
        stored ??= openEncoderVectorFile(file, encoder.modelTag);
      } catch (error) {
        report(error);
        return encoder.embed(texts, priority);
      }
      const known = stored.vectors;
      const missing = [...new Set(texts.filter((text) => !known.has(text)))];
      const fresh = await encoder.embed(missing, priority);
      const computed = new Map(missing.map((text, position) => [text, fresh[position]]));
      try {
        stored.append(missing.map((text) => [text, computed.get(text)!] as const));
      } catch (error) {
        report(error);
      }
      return texts.map((text) => known.get(text) ?? computed.get(text)!);
    },
  };
}
