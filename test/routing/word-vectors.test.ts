import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORD_VECTORS_PATH, loadWordVectors } from '../../src/agents/word-vectors-file.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { embedText } from '../../src/routing/dense-features.ts';
import {
  buildRouterIndex,
  createWordVectors,
  decodeWordVectors,
  encodeWordVectors,
  scoreMessage,
  WordVectorsFormatError,
  type WordVectors,
} from '../../src/routing/index.ts';
import { PROFILES, profile } from './fixtures.ts';

const DIMENSIONS = 8;

/**
 * A small table in which words of one topic point the same way: "car", "automobile",
 * "vehicle", "engine" near one axis, "recipe", "cooking", "dish", "soup" near another, and a few
 * unrelated words elsewhere. Enough to check that the router carries meaning across words.
 */
function topicVectors(): { words: string[]; vectors: WordVectors } {
  // Rows are in frequency order, as in the real table: common words first weigh least.
  const topics: Record<string, number> = {
    makes: 6, tonight: 7, strange: 5, noise: 4, weather: 2, rain: 2, music: 3, song: 3,
    car: 0, automobile: 0, vehicle: 0, engine: 0, mechanic: 0, repair: 0,
    recipe: 1, cooking: 1, dish: 1, soup: 1, dinner: 1, chef: 1,
  };
  const words = Object.keys(topics);
  const components: number[] = [];
  words.forEach((word, row) => {
    for (let dimension = 0; dimension < DIMENSIONS; dimension += 1) {
      // The topic's axis, plus a small word-specific wobble so that no two words are equal.
      components.push((dimension === topics[word] ? 1 : 0) + 0.15 * Math.sin(row * 7 + dimension * 3));
    }
  });
  return { words, vectors: createWordVectors(words, components, DIMENSIONS) };
}

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));
function temporaryFile(name: string, bytes: Uint8Array | string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-vectors-'));
  folders.push(folder);
  fs.writeFileSync(path.join(folder, name), bytes);
  return path.join(folder, name);
}

describe('word-vector table', () => {
  it('survives encoding and decoding, within the quantisation step', () => {
    const { words, vectors } = topicVectors();
    const decoded = decodeWordVectors(encodeWordVectors(vectors, words));
    expect(decoded.size).toBe(words.length);
    expect(decoded.dimensions).toBe(DIMENSIONS);
    expect(decoded.rowOf('vehicle')).toBe(words.indexOf('vehicle'));
    expect(decoded.rowOf('spaceship')).toBe(-1);
    const row = decoded.rowOf('soup');
    const original = 1 + 0.15 * Math.sin(row * 7 + 1 * 3);
    const restored = decoded.values[row * DIMENSIONS + 1] * decoded.scales[row];
    expect(Math.abs(restored - original)).toBeLessThanOrEqual(decoded.scales[row] / 2 + 1e-6);
  });

  it('refuses a file that is not a table or is cut short', () => {
    const { words, vectors } = topicVectors();
    const bytes = encodeWordVectors(vectors, words);
    expect(() => decodeWordVectors(new TextEncoder().encode('{"words": []}'))).toThrow(WordVectorsFormatError);
    expect(() => decodeWordVectors(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated or corrupt/);
    expect(() => createWordVectors(['one'], [1, 2], 3)).toThrow(WordVectorsFormatError);
  });

  it('embeds a text as a weighted mean and a maximum of its content words, both unit length, rarer words weighing more', () => {
    const { vectors } = topicVectors();
    const output = new Float32Array(2 * DIMENSIONS);
    expect(embedText('the car and the engine', vectors, output)).toBe(true);
    const norm = (start: number) => Math.hypot(...output.subarray(start, start + DIMENSIONS));
    expect(norm(0)).toBeCloseTo(1, 5);
    expect(norm(DIMENSIONS)).toBeCloseTo(1, 5);
    // The car axis dominates both blocks.
    expect(output.indexOf(Math.max(...output.subarray(0, DIMENSIONS)))).toBe(0);
    // "makes" (row 0) is far more frequent than "soup" (row 17): the mean leans to soup.
    embedText('makes soup', vectors, output);
    expect(output[1]).toBeGreaterThan(2 * Math.abs(output[6]));
    expect(embedText('nothing here is known', vectors, output)).toBe(false);
    expect(output.every((value) => value === 0)).toBe(true);
  });
});

describe('router with word vectors', () => {
  const agents = [
    profile('garage', 'Looks after cars.', ['my car needs a repair', 'book the mechanic for my automobile', 'the engine will not start']),
    profile('kitchen', 'Helps in the kitchen.', ['a recipe for soup', 'what dish should i cook for dinner', 'cooking tips from a chef']),
  ];

  it('leans to the agent whose words mean what the message says, though it shares none of them', () => {
    const { vectors } = topicVectors();
    const withVectors = buildRouterIndex(agents, { wordVectors: vectors });
    const lexical = buildRouterIndex(agents);
    expect(withVectors.wordVectors).toBe(true);
    expect(lexical.wordVectors).toBe(false);
    const message = 'strange noise from the vehicle';
    const margin = (index: typeof lexical) => {
      const scores = Object.fromEntries(scoreMessage(index, message).map((candidate) => [candidate.agentId, candidate.score]));
      return scores.garage - scores.kitchen;
    };
    expect(margin(withVectors)).toBeGreaterThan(margin(lexical) + 0.05);
    expect(scoreMessage(withVectors, 'tonight a soup dish')[0].agentId).toBe('kitchen');
  });

  it('still routes by words when the message has no word with a vector', () => {
    const { vectors } = topicVectors();
    const index = buildRouterIndex(agents, { wordVectors: vectors });
    expect(scoreMessage(index, 'mechanics and repairs')[0].agentId).toBe('garage');
  });
});

// The real table is built by `npm install`; without it (optional package not installed) these are skipped.
describe.skipIf(!fs.existsSync(DEFAULT_WORD_VECTORS_PATH))('router with the built GloVe table', () => {
  const vectors = loadWordVectors('default').vectors!;
  const lexical = buildRouterIndex(PROFILES);
  const withVectors = buildRouterIndex(PROFILES, { wordVectors: vectors });
  it.each([
    ['my plane to tokyo departs late', 'travel'],
    ['simmer the sauce or boil it', 'cooking'],
  ])('routes "%s" to %s, where lexical features alone get it wrong', (message, agentId) => {
    expect(scoreMessage(lexical, message)[0].agentId).not.toBe(agentId);
    const [best] = scoreMessage(withVectors, message);
    expect(best.agentId).toBe(agentId);
  });
  it('keeps what lexical features already got right', () => {
    for (const [message, agentId] of [['was i billed wrongly last month', 'billing'], ['give me a recipe for lasagna', 'cooking'], ['is my flight to berlin delayed', 'travel']]) {
      expect(scoreMessage(withVectors, message)[0].agentId).toBe(agentId);
    }
  });
});

describe('loading the table', () => {
  it('is off when asked, and names the setting', () => {
    const loaded = loadWordVectors('off');
    expect(loaded.vectors).toBeUndefined();
    expect(loaded.note).toContain('ROUTING_WORD_VECTORS=off');
  });

  it('reads a table from an explicit path', () => {
    const { words, vectors } = topicVectors();
    const file = temporaryFile('words.bin', encodeWordVectors(vectors, words));
    const loaded = loadWordVectors({ path: file });
    expect(loaded.vectors?.rowOf('engine')).toBe(words.indexOf('engine'));
    expect(loaded.note).toContain(`${words.length} word vectors of ${DIMENSIONS} dimensions`);
  });

  it('refuses an explicit path that is missing or not a table, saying how to fix it', () => {
    expect(() => loadWordVectors({ path: path.join(os.tmpdir(), 'no-such-fleetchat-table.bin') })).toThrow(ConfigError);
    const corrupt = temporaryFile('corrupt.bin', 'not a table');
    expect(() => loadWordVectors({ path: corrupt })).toThrow(/ROUTING_WORD_VECTORS=off/);
  });

  it('uses the built table by default, or says how to build it', () => {
    const loaded = loadWordVectors('default');
    if (fs.existsSync(DEFAULT_WORD_VECTORS_PATH)) {
      expect(loaded.vectors?.dimensions).toBe(100);
      expect(loaded.vectors?.rowOf('flight')).toBeGreaterThanOrEqual(0);
    } else {
      expect(loaded.vectors).toBeUndefined();
      expect(loaded.note).toContain('npm run build:vectors');
    }
  });
});
