/**
 * Builds the embedded router from the agents' profiles and scores messages against it.
 * Everything an agent says about itself becomes training text: each `routing.examples` entry,
 * each keyword, and the phrases of its name, role, description and the opening of its SOUL.
 */
import { trainSoftmaxClassifier, softmaxInPlace, type SoftmaxClassifier, type TrainingSample } from './classifier.ts';
import type { AgentProfile, RouterIndex, RoutingCandidate } from './types.ts';
import { stem, tokenize } from './text-features.ts';
import { buildVectorizer, type Vectorizer, type SparseVector } from './vectorizer.ts';

/**
 * Softmax temperature fitted by 5-fold cross-validation on the CLINC agents' *examples* (never
 * the dev queries), minimising the log-loss of held-out predictions: `bench/routing/calibrate.ts`.
 */
export const CALIBRATED_TEMPERATURE = 0.65;

/**
 * Confidence under which relevance is not trusted and the message goes to `recent` or the
 * default agent. Chosen on the calibrated scale (see docs/ROUTING.md for the trade-off curve).
 */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * Share of the confidence that depends on the message's words being known to the agents. A
 * softmax must spread all its mass over the agents even for a message about something none of
 * them was taught; discounting by the share of unknown content words lets "who has the best
 * record in the nfl" fall to the default agent. On dev this catches 80 % rather than 69 % of the
 * out-of-scope queries at the same 8 % in-scope loss.
 */
const UNKNOWN_WORDS_WEIGHT = 0.4;
// Words this short are mostly function words and say little about the topic.
const MIN_CONTENT_WORD_LENGTH = 4;

// Only the opening of a SOUL describes the agent; the rest is instructions that add noise.
const SOUL_PREFIX_CHARS = 400;

const internals = Symbol('routerIndexInternals');

interface Internals {
  vectorizer: Vectorizer;
  classifier: SoftmaxClassifier;
  /** Kept only for the one-agent case, where a softmax cannot express doubt. */
  sampleVectors: SparseVector[];
  /** Stems of every content word the agents' texts contain. */
  knownWords: Set<string>;
  /** For the stronger modes, which describe the agents to a model or embed their texts. */
  profiles: readonly AgentProfile[];
}

interface TrainedRouterIndex extends RouterIndex {
  readonly [internals]: Internals;
}

/** The training texts an agent contributes. Exported for `fleetchat route` style debugging. */
export function trainingTexts(profile: AgentProfile): string[] {
  const texts = [...profile.examples, ...profile.keywords];
  const soulOpening = profile.soul.replace(/^#+\s.*$/gm, ' ').slice(0, SOUL_PREFIX_CHARS);
  for (const source of [profile.name, profile.role, profile.description, soulOpening]) {
    // A description is a list of duties; each duty is a better pseudo-example than the whole.
    for (const phrase of source.split(/[:;,.!?\n]|\band\b/)) {
      if (phrase.trim().length > 2) texts.push(phrase.trim());
    }
  }
  return texts.filter((text) => text.trim().length > 0);
}

export function buildRouterIndex(profiles: AgentProfile[]): RouterIndex {
  const agentIds = profiles.map((profile) => profile.id);
  const labelledTexts = profiles.flatMap((profile, label) => trainingTexts(profile).map((text) => ({ text, label })));
  const vectorizer = buildVectorizer(labelledTexts.map((sample) => sample.text));
  const samples: TrainingSample[] = labelledTexts.map(({ text, label }) => ({ vector: vectorizer.vectorize(text), label }));
  const classifier = trainSoftmaxClassifier(samples, vectorizer.featureCount, profiles.length);
  const index: TrainedRouterIndex = {
    agentIds,
    fingerprint: fingerprintProfiles(profiles),
    [internals]: {
      vectorizer,
      knownWords: new Set(labelledTexts.flatMap((sample) => contentWords(sample.text))), classifier, sampleVectors: profiles.length === 1 ? samples.map((sample) => sample.vector) : [], profiles: profiles.map((profile) => ({ ...profile })) },
  };
  return index;
}

/** The profiles an index was built from (for the embeddings and llm modes). */
export function indexProfiles(index: RouterIndex): readonly AgentProfile[] {
  return (index as TrainedRouterIndex)[internals].profiles;
}

/** Calibrated scores of every agent for `message`, best first (ties: profile order). */
export function scoreMessage(index: RouterIndex, message: string): RoutingCandidate[] {
  const { vectorizer, classifier, sampleVectors, knownWords } = (index as TrainedRouterIndex)[internals];
  if (index.agentIds.length === 0) return [];
  const vector = vectorizer.vectorize(message);
  const words = contentWords(message);
  const knownShare = words.length === 0 ? 1 : words.filter((word) => knownWords.has(word)).length / words.length;
  const discount = 1 - UNKNOWN_WORDS_WEIGHT + UNKNOWN_WORDS_WEIGHT * knownShare;
  if (index.agentIds.length === 1) {
    // One agent: confidence is how close the message is to anything the agent was taught.
    return [{ agentId: index.agentIds[0], score: round(bestCosine(vector, sampleVectors) * discount) }];
  }
  const probabilities = vector.ids.length === 0
    ? new Float32Array(index.agentIds.length).fill(1 / index.agentIds.length) // nothing known: no preference
    : softmaxInPlace(classifier.logits(vector), CALIBRATED_TEMPERATURE);
  return index.agentIds
    .map((agentId, label) => ({ agentId, score: round(probabilities[label] * discount), label }))
    .sort((left, right) => right.score - left.score || left.label - right.label)
    .map(({ agentId, score }) => ({ agentId, score }));
}

function contentWords(text: string): string[] {
  return tokenize(text).filter((token) => token.length >= MIN_CONTENT_WORD_LENGTH).map(stem);
}

function bestCosine(vector: SparseVector, others: SparseVector[]): number {
  const query = new Map<number, number>();
  vector.ids.forEach((id, position) => query.set(id, vector.values[position]));
  let best = 0;
  for (const other of others) {
    let dot = 0;
    other.ids.forEach((id, position) => (dot += (query.get(id) ?? 0) * other.values[position]));
    best = Math.max(best, dot);
  }
  return Math.min(1, best);
}

// Rounded so that decisions are identical across runs and platforms and read well in logs.
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** cyrb53: a fast, stable 53-bit string hash; collisions only cost an unneeded rebuild check. */
function fingerprintProfiles(profiles: AgentProfile[]): string {
  const text = JSON.stringify(profiles.map((profile) => [profile.id, profile.name, profile.role, profile.description, profile.soul, profile.examples, profile.keywords]));
  let first = 0xdeadbeef;
  let second = 0x41c6ce57;
  for (let position = 0; position < text.length; position += 1) {
    const code = text.charCodeAt(position);
    first = Math.imul(first ^ code, 2654435761);
    second = Math.imul(second ^ code, 1597334677);
  }
  first = Math.imul(first ^ (first >>> 16), 2246822507) ^ Math.imul(second ^ (second >>> 13), 3266489909);
  second = Math.imul(second ^ (second >>> 16), 2246822507) ^ Math.imul(first ^ (first >>> 13), 3266489909);
  return (4294967296 * (2097151 & second) + (first >>> 0)).toString(16);
}
