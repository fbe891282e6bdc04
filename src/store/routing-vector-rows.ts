/**
 * How both stores keep a routing vector: the text keyed by its SHA-256 (a text may be long; only
 * equality is ever asked), the vector as little-endian float32 bytes.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';

const LITTLE_ENDIAN = os.endianness() === 'LE';

export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

export function vectorToBytes(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength));
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((component, position) => bytes.writeFloatLE(component, position * 4));
  return bytes;
}

export function bytesToVector(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new RangeError(`a stored vector has ${bytes.length} bytes, not a multiple of 4`);
  // Bytes in a memory of their own (better-sqlite3 gives each value one) are used as they are;
  // a slice of a shared pool (small Buffers) is copied, so as not to keep the whole pool alive.
  if (LITTLE_ENDIAN && bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return new Float32Array(bytes.buffer, 0, bytes.length / 4);
  const vector = new Float32Array(bytes.length / 4);
  if (LITTLE_ENDIAN) new Uint8Array(vector.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let position = 0; position < vector.length; position += 1) vector[position] = view.getFloat32(position * 4, true);
  }
  return vector;
}
