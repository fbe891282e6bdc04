/**
 * Builds the embedded router from the agents' profiles and scores messages against it.
 * Everything an agent says about itself becomes training text: each `routing.examples` entry,
 * each keyword, and the phrases of its name, role, description and the opening of its SOUL.
 * Two scorers read the same TF-IDF rows: a softmax classifier and nearest examples; their
 * calibrated probabilities are blended.
 */
import { DEFAULT_CLASSIFIER_OPTIONS, softmaxInPlace, trainSoftmaxClassifier, type SoftmaxClassifier } from './classifier.ts';
import { buildExampleIndex, type ExampleIndex } from './example-index.ts';
import { buildFeatureSpace, DEFAULT_FEATURE_SPACE_OPTIONS, type FeatureSpace } from './feature-space.ts';
import { hashText } from './hashed-features.ts';
import type { AgentProfile, RouterIndex, RoutingCandidate } from './types.ts';

/**
 * How the two scorers become one calibrated probability. Temperatures fitted by 5-fold
 * cross-validation over the CLINC agents' *examples* (never the dev queries), minimising the
 * log-loss of held-out predictions; the blend weight chosen there too (`bench/routing/calibrate.ts`).
 */
export const CALIBRATION = { classifierTemperature: 0.6, examplesTemperature: 0.029, examplesWeight: 0.5, nearestExamples: 5, examplesFloor: 0.1 };

/**
 * Confidence under which relevance is not trusted and the message goes to `recent` or the
 * default agent. Chosen on the calibrated scale (see docs/ROUTING.md for the trade-off curve).
 */
export const DEFAULT_THRESHOLD = 0.45;

/**
 * Share of the confidence that depends on the message's words being known to the agents. A
 * softmax must spread all its mass over the agents even for a message about something none of
 * them was taught; discounting by the share of unknown content words lets "who has the best
 * record in the nfl" fall to the default agent (on dev: 80 % rather than 69 % of out-of-scope
 * queries caught at the same in-scope loss).
 */
const UNKNOWN_WORDS_WEIGHT = 0.4;

// Only the opening of a SOUL describes the agent; the rest is instructions that add noise.
const SOUL_PREFIX_CHARS = 400;

const internals = Symbol('routerIndexInternals');

interface Internals {
  space: FeatureSpace;
  classifier: SoftmaxClassifier;
  examples: ExampleIndex;
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
  const options = DEFAULT_FEATURE_SPACE_OPTIONS;
  const hashed = [];
  const labels: number[] = [];
  const knownWords = new Set<string>();
  for (let label = 0; label < profiles.length; label += 1) {
    for (const text of trainingTexts(profiles[label])) {
      const features = hashText(text, options.hashing);
      for (const word of features.contentStems) knownWords.add(word);
      hashed.push(features);
      labels.push(label);
    }
  }
  const { space, rows } = buildFeatureSpace(hashed, options);
  const labelArray = Int32Array.from(labels);
  const index: TrainedRouterIndex = {
    agentIds: profiles.map((profile) => profile.id),
    fingerprint: fingerprintProfiles(profiles),
    [internals]: {
      space,
      classifier: trainSoftmaxClassifier(rows, labelArray, space.featureCount, profiles.length, DEFAULT_CLASSIFIER_OPTIONS),
      // One agent: its confidence is its single closest text (see scoreMessage).
      examples: buildExampleIndex(rows, labelArray, space.featureCount, profiles.length, profiles.length === 1 ? 1 : CALIBRATION.nearestExamples),
      knownWords,
      profiles: profiles.map((profile) => ({ ...profile })),
    },
  };
  return index;
}

/** The profiles an index was built from (for the embeddings and llm modes). */
export function indexProfiles(index: RouterIndex): readonly AgentProfile[] {
  return (index as TrainedRouterIndex)[internals].profiles;
}

/** Calibrated scores of every agent for `message`, best first (ties: profile order). */
export function scoreMessage(index: RouterIndex, message: string): RoutingCandidate[] {
  const { space, classifier, examples, knownWords } = (index as TrainedRouterIndex)[internals];
  const agentCount = index.agentIds.length;
  if (agentCount === 0) return [];
  const features = hashText(message, space.options.hashing);
  const vector = space.vectorize(features);
  const words = features.contentStems;
  const knownShare = words.length === 0 ? 1 : words.filter((word) => knownWords.has(word)).length / words.length;
  const discount = 1 - UNKNOWN_WORDS_WEIGHT + UNKNOWN_WORDS_WEIGHT * knownShare;
  const nearest = examples.scores(vector, new Float64Array(agentCount));
  let probabilities: Float64Array;
  if (agentCount === 1) {
    // One agent: a one-class softmax cannot doubt, so confidence is how close the message is to
    // anything the agent was taught.
    probabilities = Float64Array.of(Math.min(1, nearest[0]));
  } else if (vector.ids.length === 0) {
    probabilities = new Float64Array(agentCount).fill(1 / agentCount); // nothing known: no preference
  } else {
    probabilities = softmaxInPlace(classifier.logits(vector, new Float64Array(agentCount)), CALIBRATION.classifierTemperature);
    softmaxWithFloor(nearest, CALIBRATION.examplesTemperature, CALIBRATION.examplesFloor);
    const weight = CALIBRATION.examplesWeight;
    for (let label = 0; label < agentCount; label += 1) probabilities[label] = (1 - weight) * probabilities[label] + weight * nearest[label];
  }
  const order = Array.from({ length: agentCount }, (_, label) => label);
  const scores = Array.from(probabilities, (probability) => round(probability * discount));
  order.sort((left, right) => scores[right] - scores[left] || left - right);
  return order.map((label) => ({ agentId: index.agentIds[label], score: scores[label] }));
}

/**
 * A softmax with one more, invisible candidate of similarity `floor` ("like none of the
 * examples"), whose share is left out: a message whose best match is weak stays unsure however
 * far ahead that match is, instead of a lone shared word winning ~all the mass.
 */
function softmaxWithFloor(values: Float64Array, temperature: number, floor: number): Float64Array {
  let maximum = floor;
  for (const value of values) if (value > maximum) maximum = value;
  let sum = Math.exp((floor - maximum) / temperature);
  for (let position = 0; position < values.length; position += 1) sum += values[position] = Math.exp((values[position] - maximum) / temperature);
  for (let position = 0; position < values.length; position += 1) values[position] /= sum;
  return values;
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
