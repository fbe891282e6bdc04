/**
 * The encoder's vector file in the data folder: what a restart reads back instead of embedding
 * the agents' texts again. The file format needs no encoder; the last suite uses the real one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEncoderVectorFile, withVectorFile } from '../../src/agents/encoder-vector-file.ts';
import { locateEncoder, startSentenceEncoder, type SentenceEncoder } from '../../src/agents/sentence-encoder.ts';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-vectors-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
let files = 0;
const newFile = () => path.join(folder, `vectors-${++files}.bin`);
const vector = (seed: number) => Float32Array.from({ length: 512 }, (_, position) => Math.sin(seed * 1000 + position));

describe('the encoder vector file', () => {
  it('reads back what was appended, text and vector alike, in a new process-like open', () => {
    const file = newFile();
    const first = openEncoderVectorFile(file, 'model@1');
    expect(first.vectors.size).toBe(0);
    first.append([['book a flight', vector(1)], ['crème brûlée recipe ✓', vector(2)]]);
    first.append([['book a flight', vector(9)]]); // known: not written twice
    const again = openEncoderVectorFile(file, 'model@1');
    expect([...again.vectors.keys()]).toEqual(['book a flight', 'crème brûlée recipe ✓']);
    expect(Array.from(again.vectors.get('crème brûlée recipe ✓')!)).toEqual(Array.from(vector(2)));
    expect(Array.from(again.vectors.get('book a flight')!)).toEqual(Array.from(vector(1)));
  });

  it('starts afresh on a file of another model', () => {
    const file = newFile();
    openEncoderVectorFile(file, 'model@1').append([['hello', vector(3)]]);
    const other = openEncoderVectorFile(file, 'model@2');
    expect(other.vectors.size).toBe(0);
    other.append([['hello', vector(4)]]);
    expect(Array.from(openEncoderVectorFile(file, 'model@2').vectors.get('hello')!)).toEqual(Array.from(vector(4)));
  });

  it('keeps the whole records of a file cut mid-record, and appends after them', () => {
    const file = newFile();
    openEncoderVectorFile(file, 'model@1').append([['first', vector(5)], ['second', vector(6)]]);
    fs.truncateSync(file, fs.statSync(file).size - 100); // a crash in the middle of the second record
    const reopened = openEncoderVectorFile(file, 'model@1');
    expect([...reopened.vectors.keys()]).toEqual(['first']);
    reopened.append([['third', vector(7)]]);
    expect([...openEncoderVectorFile(file, 'model@1').vectors.keys()]).toEqual(['first', 'third']);
  });
});

describe.skipIf('missing' in locateEncoder())('the encoder with its vector file', () => {
  let encoder: SentenceEncoder;
  beforeAll(async () => {
    encoder = startSentenceEncoder();
    await encoder.ready;
  });
  afterAll(async () => encoder.close());

  it('embeds the agents texts once, then reads them back after a restart', async () => {
    const file = newFile();
    const texts = ['book a flight to rome', 'a recipe for lasagna', 'refund my invoice'];
    const first = await withVectorFile(encoder, file).embed(texts, 'background');
    const sent = encoder.counts.sent;
    const afterRestart = await withVectorFile(encoder, file).embed(texts, 'background');
    expect(encoder.counts.sent).toBe(sent); // nothing embedded again
    afterRestart.forEach((vector, position) => expect(Array.from(vector)).toEqual(Array.from(first[position])));
    // Messages are never stored.
    await withVectorFile(encoder, file).embed(['is my flight late'], 'message');
    expect(openEncoderVectorFile(file, encoder.modelTag).vectors.has('is my flight late')).toBe(false);
  });

  it('works without the file when it cannot be written, and says so once', async () => {
    const blocker = newFile();
    fs.writeFileSync(blocker, 'a file where a folder should be');
    const errors: unknown[] = [];
    const source = withVectorFile(encoder, path.join(blocker, 'vectors.bin'), (error) => errors.push(error));
    expect(await source.embed(['hello there'], 'background')).toHaveLength(1);
    expect(await source.embed(['good morning'], 'background')).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });
});
