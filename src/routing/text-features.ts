/**
 * Text → sparse features for the embedded router. Pure and deterministic: the same text always
 * yields the same features, whatever the agents are, so a RouterIndex can be rebuilt at any time.
 *
 * Two views of a text are combined because each fixes the other's failure:
 * - stemmed words and word pairs carry meaning ("book a flight" vs "book a table");
 * - character n-grams inside words survive typos, inflections and compounds that the stemmer
 *   does not know ("floridau", "roundtrip", "to-do").
 */

export interface FeatureOptions {
  /** Character n-gram sizes taken inside each word padded with spaces. */
  charNgramSizes: readonly number[];
  /** Whether adjacent word pairs are features. */
  wordPairs: boolean;
  /** Whether function words are dropped from single-word features. */
  dropStopWords: boolean;
  /** Whether words of common entity classes (languages, months, numbers…) also emit their class. */
  entityClasses: boolean;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  charNgramSizes: [3, 4, 5],
  wordPairs: true,
  dropStopWords: true,
  // Off: on CLINC dev it changed no top-1 decision and cost 2 points of out-of-scope detection.
  entityClasses: false,
};

/** Function words that carry no routing signal; dropped from word features (kept in n-grams). */
const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for from with about as into is are was were be been ' +
    'being am do does did doing have has had i me my mine we us our you your it its this that these ' +
    'those there here what which who whom whose how when where why can could would should will shall ' +
    'may might must please tell let lets know want need like just so some any all up out get give ' +
    'im id ive ill youre dont doesnt cant wont isnt arent'
  ).split(' '),
);

// Texts longer than this are cut: routing needs the gist, and the cut bounds latency.
const MAX_TEXT_CHARS = 2_000;

/** Lowercase, strip accents and apostrophes, keep letters and digits of any script. */
export function normalizeText(text: string): string {
  return text
    .slice(0, MAX_TEXT_CHARS)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '');
}

export function tokenize(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * A light suffix stripper (in the spirit of Porter step 1): enough to make "flights", "flying"
 * and "flight" or "booked"/"booking" meet, cheap enough to run per message.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let result = word;
  if (result.endsWith('ies') && result.length > 4) result = result.slice(0, -3) + 'y';
  else if (result.endsWith('sses')) result = result.slice(0, -2);
  else if (result.endsWith('s') && !result.endsWith('ss') && !result.endsWith('us')) result = result.slice(0, -1);
  for (const suffix of ['ingly', 'edly', 'ing', 'ed', 'ly']) {
    if (result.endsWith(suffix) && result.length - suffix.length >= 3) {
      result = result.slice(0, -suffix.length);
      // "stopp(ed)" → "stop", "hopp(ing)" → "hop"
      if (/([^aeiouslz])\1$/.test(result)) result = result.slice(0, -1);
      break;
    }
  }
  return result;
}

/** Word-level features: stems of content words (and of pairs of adjacent words). */
export function wordFeatures(tokens: string[], options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): string[] {
  const features: string[] = [];
  const stems = tokens.map(stem);
  for (let position = 0; position < tokens.length; position += 1) {
    if (!options.dropStopWords || !STOP_WORDS.has(tokens[position])) features.push('w:' + stems[position]);
    if (options.entityClasses) {
      const entityClass = entityClassOf(tokens[position]);
      if (entityClass !== undefined) features.push('e:' + entityClass);
    }
    // Pairs keep function words: "how much" and "what time" are strong cues.
    if (options.wordPairs && position + 1 < tokens.length) {
      features.push('p:' + stems[position] + ' ' + stems[position + 1]);
    }
  }
  return features;
}

/** Character n-grams inside each word, padded so prefixes and suffixes are distinct. */
export function charFeatures(tokens: string[], options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): string[] {
  const features: string[] = [];
  for (const token of tokens) {
    const padded = ' ' + token + ' ';
    for (const size of options.charNgramSizes) {
      if (padded.length < size) continue;
      for (let start = 0; start + size <= padded.length; start += 1) {
        features.push('c:' + padded.slice(start, start + size));
      }
    }
  }
  return features;
}

/** Counts of each feature, the raw material for TF-IDF. */
export function countFeatures(features: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const feature of features) counts.set(feature, (counts.get(feature) ?? 0) + 1);
  return counts;
}

/**
 * Common entity classes. Agents' examples can only name a few languages or months; this lets
 * "mandarin" count as evidence for whoever was taught "spanish". Kept to closed, general classes.
 */
const ENTITY_CLASSES: Record<string, string> = Object.fromEntries(
  Object.entries({
    language:
      'english spanish french german chinese mandarin cantonese japanese korean russian italian portuguese ' +
      'dutch arabic hindi bengali urdu swahili greek turkish polish swedish norwegian danish finnish hebrew ' +
      'thai vietnamese latin indonesian malay persian farsi ukrainian czech hungarian romanian tagalog',
    month: 'january february march april june july august september october november december',
    weekday: 'monday tuesday wednesday thursday friday saturday sunday weekend',
    relativeDay: 'today tomorrow yesterday tonight',
    currency: 'dollar dollars euro euros pound pounds yen peso pesos rupee rupees bucks cents',
  }).flatMap(([entityClass, words]) => words.split(' ').map((word) => [word, entityClass])),
);

function entityClassOf(token: string): string | undefined {
  if (/^\d+(st|nd|rd|th)?$/.test(token)) return 'number';
  return ENTITY_CLASSES[token];
}
