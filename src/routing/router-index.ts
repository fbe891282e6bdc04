/**
 * Builds the embedded router from the agents' profiles and scores messages against it.
 * Everything an agent says about itself becomes training text: each `routing.examples` entry,
 * each keyword, and the phrases of its name, role, description and the opening of its SOUL.
 * Two scorers read the same TF-IDF rows: a softmax classifier and nearest examples; their
 * calibrated probabilities are blended. When word vectors are given, the classifier also reads
 * each text's dense features (dense-features.ts), which carry meaning across words the agents
 * never used.
 */
import { runToEnd, type BuildSteps } from './build-steps.ts';
import { DEFAULT_CLASSIFIER_OPTIONS, softmaxInPlace, trainSoftmaxClassifierSteps, type SoftmaxClassifier } from './classifier.ts';
import { denseWidth, embedText } from './dense-features.ts';
import { buildExampleIndexSteps, type ExampleIndex } from './example-index.ts';
import { appendDense, appendDenseColumnsSteps, buildFeatureSpaceSteps, DEFAULT_FEATURE_SPACE_OPTIONS, type FeatureSpace, type SparseVector } from './feature-space.ts';
import { hashText, type HashedText } from './hashed-features.ts';
import type { AgentProfile, RouterIndex, RoutingCandidate } from './types.ts';
import type { WordVectors } from './word-vectors.ts';

/**
 * How the two scorers become one calibrated probability. Temperatures fitted by 5-fold
 * cross-validation over the CLINC agents' *examples* (never the dev queries), minimising the
 * log-loss of held-out predictions; the blend weight chosen there too (`bench/routing/calibrate.ts`).
 */
export const CALIBRATION = { classifierTemperature: 0.6, examplesTemperature: 0.029, examplesWeight: 1 / 3, nearestExamples: 5, examplesFloor: 0.1 };

/**
 * Dense columns are z-scored over the agents' texts, then weighted so that the 200 of them
 * together weigh about 0.4 against the unit-length TF-IDF vector. Cross-validated on the CLINC
 * examples: 0.03 gives 90.0 % top-1 for the classifier alone, against 88.1 % without dense
 * columns and 87.7 % at 0.07 (they crowd out the words).
 */
const DENSE_COLUMN_WEIGHT = 0.03;
// A column that barely varies among a small workspace's texts must not blow up its z-scores.
const MIN_DEVIATION = 0.02;

/**
 * Confidence under which relevance is not trusted and the message goes to `recent` or the
 * default agent. Chosen on the calibrated scale (see docs/ROUTING.md for the trade-off curve).
 */
export const DEFAULT_THRESHOLD = 0.5;

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

interface Internals extends Scorers {
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

export interface RouterIndexOptions {
  /** Pre-trained word vectors for dense features; without them the router is lexical only. */
  wordVectors?: WordVectors;
}

export function buildRouterIndex(profiles: AgentProfile[], options: RouterIndexOptions = {}): RouterIndex {
  return runToEnd(buildRouterIndexSteps(profiles, options));
}

// Texts hashed or embedded between two yields of a build.
const TEXTS_PER_STEP = 256;

/**
 * The same build as a sequence of steps of at most a few milliseconds each (100 agents × 75
 * examples: about a second of work in some 500 steps), for a server that must keep answering
 * while it learns a changed workspace.
 */
export function* buildRouterIndexSteps(profiles: AgentProfile[], options: RouterIndexOptions = {}): BuildSteps<RouterIndex> {
  const texts: string[] = [];
  const labels: number[] = [];
  for (let label = 0; label < profiles.length; label += 1) {
    for (const text of trainingTexts(profiles[label])) {
      texts.push(text);
      labels.push(label);
    }
  }
  const hashed: HashedText[] = [];
  const knownWords = new Set<string>();
  for (const text of texts) {
    const features = hashText(text, DEFAULT_FEATURE_SPACE_OPTIONS.hashing);
    hashed.push(features);
    for (const stem of features.contentStems) knownWords.add(stem);
    if (hashed.length % TEXTS_PER_STEP === 0) yield;
  }
  // One agent: its confidence is its single closest text (see scoreMessage).
  const nearestExamples = profiles.length === 1 ? 1 : CALIBRATION.nearestExamples;
  const index: TrainedRouterIndex = {
    agentIds: profiles.map((profile) => profile.id),
    fingerprint: fingerprintProfiles(profiles),
    wordVectors: options.wordVectors !== undefined,
    [internals]: {
      ...(yield* trainScorersSteps(texts, Int32Array.from(labels), profiles.length, { wordVectors: options.wordVectors, hashed, nearestExamples })),
      knownWords,
      profiles: profiles.map((profile) => ({ ...profile })),
    },
  };
  return index;
}

/** The two trained scorers over labelled texts (shared with bench/routing/calibrate.ts). */
export interface Scorers {
  space: FeatureSpace;
  classifier: SoftmaxClassifier;
  examples: ExampleIndex;
  /** The classifier's input for a text: its TF-IDF vector, plus dense columns when word vectors were given. */
  classifierInput(vector: SparseVector, text: string): SparseVector;
}

interface ScorerOptions {
  wordVectors?: WordVectors;
  hashed?: HashedText[];
  nearestExamples?: number;
}

export function trainScorers(texts: readonly string[], labels: Int32Array, classCount: number, options: ScorerOptions = {}): Scorers {
  return runToEnd(trainScorersSteps(texts, labels, classCount, options));
}

function* trainScorersSteps(texts: readonly string[], labels: Int32Array, classCount: number, options: ScorerOptions): BuildSteps<Scorers> {
  const hashed = options.hashed ?? texts.map((text) => hashText(text, DEFAULT_FEATURE_SPACE_OPTIONS.hashing));
  const { space, rows } = yield* buildFeatureSpaceSteps(hashed, DEFAULT_FEATURE_SPACE_OPTIONS);
  const examples = yield* buildExampleIndexSteps(rows, labels, space.featureCount, classCount, options.nearestExamples ?? CALIBRATION.nearestExamples);
  const dense = options.wordVectors === undefined ? undefined : yield* denseColumnsSteps(texts, options.wordVectors);
  const classifierRows = dense === undefined ? rows : yield* appendDenseColumnsSteps(rows, dense.columns, dense.width, dense.present, space.featureCount);
  yield;
  const classifier = yield* trainSoftmaxClassifierSteps(classifierRows, labels, space.featureCount + (dense?.width ?? 0), classCount, DEFAULT_CLASSIFIER_OPTIONS);
  // The closure keeps only the transform, not the training texts' dense columns (7 MiB for 100 agents).
  const embed = dense?.embed;
  const scratch = dense?.scratch;
  const firstDenseId = space.featureCount;
  return {
    space,
    classifier,
    examples,
    classifierInput: (vector, text) => (embed === undefined || scratch === undefined || !embed(text) ? vector : appendDense(vector, scratch, firstDenseId)),
  };
}

/** The training texts' dense columns, standardised, and the same transform for a new text. */
function* denseColumnsSteps(texts: readonly string[], vectors: WordVectors) {
  const width = denseWidth(vectors);
  const columns = new Float32Array(texts.length * width);
  const present = new Uint8Array(texts.length);
  const scratch = new Float32Array(width);
  const mean = new Float64Array(width);
  const deviation = new Float64Array(width);
  let count = 0;
  for (let row = 0; row < texts.length; row += 1) {
    if (row % TEXTS_PER_STEP === TEXTS_PER_STEP - 1) yield;
    if (!embedText(texts[row], vectors, scratch)) continue;
    present[row] = 1;
    count += 1;
    columns.set(scratch, row * width);
    for (let column = 0; column < width; column += 1) mean[column] += scratch[column];
  }
  for (let column = 0; column < width; column += 1) mean[column] /= Math.max(1, count);
  for (let row = 0; row < texts.length; row += 1) {
    if (row % TEXTS_PER_STEP === TEXTS_PER_STEP - 1) yield;
    if (present[row] === 0) continue;
    for (let column = 0; column < width; column += 1) deviation[column] += (columns[row * width + column] - mean[column]) ** 2;
  }
  const scale = Float32Array.from(deviation, (sum) => DENSE_COLUMN_WEIGHT / Math.max(MIN_DEVIATION, Math.sqrt(sum / Math.max(1, count))));
  const standardise = (values: Float32Array, offset: number) => {
    for (let column = 0; column < width; column += 1) values[offset + column] = (values[offset + column] - mean[column]) * scale[column];
  };
  for (let row = 0; row < texts.length; row += 1) {
    if (row % TEXTS_PER_STEP === TEXTS_PER_STEP - 1) yield;
    if (present[row] === 1) standardise(columns, row * width);
  }
  return {
    width,
    columns,
    present,
    scratch,
    /** The standardised dense features of `text` into `scratch`; false when it has none. */
    embed(text: string): boolean {
      if (!embedText(text, vectors, scratch)) return false;
      standardise(scratch, 0);
      return true;
    },
  };
}

/** The profiles an index was built from (for the embeddings and llm modes). */
export function indexProfiles(index: RouterIndex): readonly AgentProfile[] {
  return (index as TrainedRouterIndex)[internals].profiles;
}

/** Calibrated scores of every agent for `message`, best first (ties: profile order). */
export function scoreMessage(index: RouterIndex, message: string): RoutingCandidate[] {
  const { space, classifier, examples, knownWords, classifierInput } = (index as TrainedRouterIndex)[internals];
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
    probabilities = softmaxInPlace(classifier.logits(classifierInput(vector, message), new Float64Array(agentCount)), CALIBRATION.classifierTemperature);
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
