/**
 * Text → hashed feature codes, with no per-feature string: character n-grams and word features
 * are hashed straight from the characters (FNV-1a), so featurising an example costs a few
 * hundred integer operations instead of a few hundred small strings and Map look-ups. This is
 * what keeps an index build for 100 agents × 75 examples well under a second.
 *
 * Codes are 30-bit, so that V8 keeps them as small integers (a Map keyed by larger numbers
 * hashes heap doubles, 3× slower); two features share a code with probability ~n²/2³¹ (a few
 * hundred pairs in a million-feature workspace), which costs nothing measurable in accuracy.
 */
import { stem, tokenize } from './text-features.ts';

export interface HashedFeatureOptions {
  /** Character n-gram sizes taken inside each word padded with spaces. */
  charNgramSizes: readonly number[];
  /** Whether adjacent word pairs (stems) are word features. */
  wordPairs: boolean;
  /** Words longer than this also emit their first `prefixLength` letters (0: off). */
  prefixLength: number;
}

// Cross-validated on the CLINC examples: 5-grams and word prefixes change top-1 by ≤ 0.1 point,
// so they are left out; each n-gram size costs about a third of the build time.
export const DEFAULT_HASHED_FEATURE_OPTIONS: HashedFeatureOptions = { charNgramSizes: [3, 4], wordPairs: true, prefixLength: 0 };

/** Function words that carry no routing signal; dropped from single-word features (kept in pairs and n-grams). */
export const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for from with about as into is are was were be been ' +
    'being am do does did doing have has had i me my mine we us our you your it its this that these ' +
    'those there here what which who whom whose how when where why can could would should will shall ' +
    'may might must please tell let lets know want need like just so some any all up out get give ' +
    'im id ive ill youre dont doesnt cant wont isnt arent'
  ).split(' '),
);

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// Distinct seeds keep a word, a pair and an n-gram with the same letters apart.
const WORD_SEED = 0x9e3779b1;
const PAIR_SEED = 0x85ebca77;
const PREFIX_SEED = 0xc2b2ae3d;

function hashString(text: string, seed: number, end = text.length): number {
  let hash = (FNV_OFFSET ^ seed) >>> 0;
  for (let position = 0; position < end; position += 1) hash = Math.imul(hash ^ text.charCodeAt(position), FNV_PRIME);
  return hash >>> 2;
}

function mix(left: number, right: number): number {
  return (Math.imul(left ^ (right >>> 15), 0x2c1b3c6d) ^ Math.imul(right, 0x297a2d39) ^ PAIR_SEED) >>> 2;
}

/** The feature codes of a text, in two blocks that are weighted and normalised apart. */
export interface HashedText {
  word: number[];
  char: number[];
  /** Stems of the text's content words (for the unknown-word discount). */
  contentStems: string[];
}

// Words this short are mostly function words and say little about the topic.
const MIN_CONTENT_WORD_LENGTH = 4;

export function hashText(text: string, options: HashedFeatureOptions = DEFAULT_HASHED_FEATURE_OPTIONS): HashedText {
  const tokens = tokenize(text);
  const word: number[] = [];
  const char: number[] = [];
  const contentStems: string[] = [];
  let previousStem = 0;
  for (let position = 0; position < tokens.length; position += 1) {
    const token = tokens[position];
    const stemmed = stem(token);
    const stemHash = hashString(stemmed, WORD_SEED);
    if (!STOP_WORDS.has(token)) word.push(stemHash);
    if (token.length >= MIN_CONTENT_WORD_LENGTH) contentStems.push(stemmed);
    // A prefix joins derived forms the stemmer does not: "translate"/"translation", "reserve"/"reservation".
    if (options.prefixLength > 0 && token.length > options.prefixLength && !STOP_WORDS.has(token)) {
      word.push(hashString(token, PREFIX_SEED, options.prefixLength));
    }
    // Pairs keep function words: "how much" and "what time" are strong cues.
    if (options.wordPairs && position > 0) word.push(mix(previousStem, stemHash));
    previousStem = stemHash;
    pushCharNgrams(token, options.charNgramSizes, char);
  }
  return { word, char, contentStems };
}

/** N-grams inside the word padded with spaces (code 32), so prefixes and suffixes are distinct. */
function pushCharNgrams(token: string, sizes: readonly number[], char: number[]): void {
  const length = token.length + 2;
  for (const size of sizes) {
    for (let start = 0; start + size <= length; start += 1) {
      let hash = (FNV_OFFSET ^ size) >>> 0;
      for (let offset = start; offset < start + size; offset += 1) {
        const code = offset === 0 || offset === length - 1 ? 32 : token.charCodeAt(offset - 1);
        hash = Math.imul(hash ^ code, FNV_PRIME);
      }
      char.push(hash >>> 2);
    }
  }
}
