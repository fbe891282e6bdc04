/**
 * The encoder's vector file in the data folder: what a restart reads back instead of embedding
 * the agents' texts again. The file format needs no encoder; the last suite uses the real one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_MIN_DEAD, openEncoderVectorFile, withVectorFile } from '../../src/agents/encoder-vector-file.ts';
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

  const texts = (prefix: string, count: number) => Array.from({ length: count }, (_, position) => `${prefix} ${position}`);
  const filled = (live: string[], dead: string[]) => {
    const file = newFile();
    openEncoderVectorFile(file, 'model@1').append([...live, ...dead].map((text, position) => [text, vector(position)] as const));
    return file;
  };

  it('drops the texts no agent uses any more, in memory and on disk, and keeps the rest intact', () => {
    const live = texts('live', 40);
    const dead = texts('gone', COMPACT_MIN_DEAD);
    const file = filled(live, dead);
    const sizeBefore = fs.statSync(file).size;
    const opened = openEncoderVectorFile(file, 'model@1');
    expect(opened.compact(new Set([...live, 'a text never embedded']))).toEqual({ kept: 40, dropped: COMPACT_MIN_DEAD });
    expect([...opened.vectors.keys()]).toEqual(live);
    const reopened = openEncoderVectorFile(file, 'model@1');
    expect([...reopened.vectors.keys()]).toEqual(live);
    live.forEach((text, position) => expect(Array.from(reopened.vectors.get(text)!)).toEqual(Array.from(vector(position))));
    expect(fs.statSync(file).size).toBeLessThan(sizeBefore * 0.45);
    expect(fs.readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // Appends go on after a compaction, into the new file.
    opened.append([['new text', vector(99)]]);
    expect([...openEncoderVectorFile(file, 'model@1').vectors.keys()]).toEqual([...live, 'new text']);
  });

  it('leaves the file as it is while the unused texts are few: under the minimum, or under a fifth', () => {
    const underMinimum = filled(texts('live', 10), texts('gone', COMPACT_MIN_DEAD - 1));
    const underFifth = filled(texts('live', 400), texts('gone', 99));
    for (const [file, live, total] of [[underMinimum, texts('live', 10), 10 + COMPACT_MIN_DEAD - 1], [underFifth, texts('live', 400), 499]] as const) {
      const bytes = fs.readFileSync(file);
      const opened = openEncoderVectorFile(file, 'model@1');
      expect(opened.compact(new Set(live))).toEqual({ kept: total, dropped: 0 });
      expect(opened.vectors.size).toBe(total);
      expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    }
  });

  it('keeps everything when the file cannot be rewritten', () => {
    const live = texts('live', 5);
    const file = filled(live, texts('gone', COMPACT_MIN_DEAD));
    const opened = openEncoderVectorFile(file, 'model@1');
    fs.mkdirSync(`${file}.${process.pid}.tmp`); // the temporary file's name is taken by a folder
    try {
      expect(() => opened.compact(new Set(live))).toThrow();
    } finally {
      fs.rmSync(`${file}.${process.pid}.tmp`, { recursive: true, force: true });
    }
    expect(opened.vectors.size).toBe(5 + COMPACT_MIN_DEAD);
    expect(openEncoderVectorFile(file, 'model@1').vectors.size).toBe(5 + COMPACT_MIN_DEAD);
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

  it('answers an embedding under way with the vectors it found, even if a compaction drops them meanwhile', async () => {
    const file = newFile();
    const old = Array.from({ length: COMPACT_MIN_DEAD }, (_, position) => `an agent text that was removed ${position}`);
    const source = withVectorFile(encoder, file);
    const stored = await source.embed(old, 'background');
    const sent = encoder.counts.sent;
    // The first text is read from the file, the second must wait for the encoder; the compaction
    // runs during that wait and drops the first.
    const pending = source.embed([old[0], 'a brand new agent text'], 'background');
    expect(source.compact(new Set(['a brand new agent text']))).toEqual({ kept: 0, dropped: COMPACT_MIN_DEAD });
    const [first, second] = await pending;
    expect(Array.from(first)).toEqual(Array.from(stored[0]));
    expect(second).toHaveLength(512);
    expect(encoder.counts.sent).toBe(sent + 1);
    expect([...openEncoderVectorFile(file, encoder.modelTag).vectors.keys()]).toEqual(['a brand new agent text']);
  });

  it('works without the file when it cannot be written, and says so once', async () => {
    const blocker = newFile();
    fs.writeFileSync(blocker, 'a file where a folder should be');
    const errors: unknown[] = [];
    const source = withVectorFile(encoder, path.join(blocker, 'vectors.bin'), (error) => errors.push(error));
    expect(await source.embed(['hello there'], 'background')).toHaveLength(1);
    expect(await source.embed(['good morning'], 'background')).toHaveLength(1);
    expect(source.compact(new Set(['hello there']))).toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
