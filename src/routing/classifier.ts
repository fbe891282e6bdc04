/**
 * Multinomial logistic regression (softmax) over sparse TF-IDF rows, trained by seeded SGD.
 *
 * Chosen because it learns which features separate agents rather than which are merely
 * frequent: on CLINC it beats nearest-example and centroid scoring by 1–3 points of top-1
 * (docs/ROUTING.md). Its cost is bounded so that building an index stays cheap enough to run
 * on the event loop: a budget of sample-passes sets the epochs, and with many agents each
 * sample only competes with its own agent and the agents whose centroids are closest to it.
 */
import { runToEnd, type BuildSteps } from './build-steps.ts';
import type { SparseRows, SparseVector } from './feature-space.ts';

export interface ClassifierOptions {
  /** Most passes over the data (small workspaces); fewer when there are many samples. */
  maxEpochs: number;
  minEpochs: number;
  /** Sample-passes per build: epochs = budget / samples, within [minEpochs, maxEpochs]. */
  samplePassBudget: number;
  learningRate: number;
  l2: number;
  seed: number;
  /** Rival agents each agent's samples compete with besides their own; the rest are too far to matter. */
  rivals: number;
}

// Cross-validated on the CLINC examples: 5 epochs at rate 2 match 10 at rate 1 and 30 at rate 1
// (88.1 / 88.0 / 88.1 % top-1) for half and a sixth of the cost; 4 at rate 3 lose calibration.
export const DEFAULT_CLASSIFIER_OPTIONS: ClassifierOptions = {
  maxEpochs: 5, minEpochs: 3, samplePassBudget: 12_000, learningRate: 2, l2: 1e-4, seed: 1, rivals: 12,
};

// Features kept per centroid when choosing rivals (see rivalsByClass).
const CENTROID_FEATURES = 256;
// Below this a class's gradient is negligible; skipping its update keeps training fast.
const NEGLIGIBLE_GRADIENT = 1e-5;

export interface SoftmaxClassifier {
  readonly classCount: number;
  /** Raw scores (logits), one per class, written into `output`. */
  logits(vector: SparseVector, output: Float64Array): Float64Array;
}

export function epochsFor(sampleCount: number, options: ClassifierOptions): number {
  return Math.max(options.minEpochs, Math.min(options.maxEpochs, Math.round(options.samplePassBudget / Math.max(1, sampleCount))));
}

export function trainSoftmaxClassifier(
  rows: SparseRows,
  labels: Int32Array,
  featureCount: number,
  classCount: number,
  options: ClassifierOptions = DEFAULT_CLASSIFIER_OPTIONS,
): SoftmaxClassifier {
  return runToEnd(trainSoftmaxClassifierSteps(rows, labels, featureCount, classCount, options));
}

// Training yields after this many samples, so that a caller can spread it over several turns of
// the event loop (about a millisecond of work per step with 100 agents).
const SAMPLES_PER_STEP = 128;
const CELLS_PER_STEP = 1 << 18;
const CLASSES_PER_STEP = 8;

/** The same training as a sequence of steps (see BuildSteps). */
export function* trainSoftmaxClassifierSteps(
  rows: SparseRows,
  labels: Int32Array,
  featureCount: number,
  classCount: number,
  options: ClassifierOptions = DEFAULT_CLASSIFIER_OPTIONS,
): BuildSteps<SoftmaxClassifier> {
  // Row-major by feature: scoring walks a message's few features and reads contiguous rows.
  const weights = new Float32Array(Math.max(1, featureCount * classCount));
  const bias = new Float64Array(classCount);
  const rivals = yield* rivalsByClass(rows, labels, featureCount, classCount, options.rivals);
  const scores = new Float64Array(classCount);
  const gradients = new Float64Array(classCount);
  const active = new Int32Array(classCount);
  const order = Int32Array.from({ length: rows.rowCount }, (_, position) => position);
  const random = seededRandom(options.seed);
  const epochs = classCount > 1 ? epochsFor(rows.rowCount, options) : 0;
  const { offsets, ids, values } = rows;
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    shuffle(order, random);
    const rate = options.learningRate / (1 + 0.1 * epoch);
    // Weight decay applied lazily as one shrink per epoch: the same L2 pull as per-step decay
    // without touching every weight of every sample's features for every class.
    const decay = 1 - Math.min(0.5, rate * options.l2 * rows.rowCount / Math.max(1, classCount));
    for (let position = 0; position < order.length; position += 1) {
      if (position % SAMPLES_PER_STEP === SAMPLES_PER_STEP - 1) yield;
      const row = order[position];
      const label = labels[row];
      const classes = rivals[label];
      const start = offsets[row];
      const end = offsets[row + 1];
      for (let slot = 0; slot < classes.length; slot += 1) scores[slot] = bias[classes[slot]];
      for (let entry = start; entry < end; entry += 1) {
        const base = ids[entry] * classCount;
        const value = values[entry];
        for (let slot = 0; slot < classes.length; slot += 1) scores[slot] += weights[base + classes[slot]] * value;
      }
      let maximum = -Infinity;
      for (let slot = 0; slot < classes.length; slot += 1) if (scores[slot] > maximum) maximum = scores[slot];
      let total = 0;
      for (let slot = 0; slot < classes.length; slot += 1) total += scores[slot] = Math.exp(scores[slot] - maximum);
      let activeCount = 0;
      for (let slot = 0; slot < classes.length; slot += 1) {
        // Gradient of the cross-entropy with respect to this logit.
        const gradient = scores[slot] / total - (classes[slot] === label ? 1 : 0);
        if (gradient > -NEGLIGIBLE_GRADIENT && gradient < NEGLIGIBLE_GRADIENT) continue;
        active[activeCount] = classes[slot];
        gradients[activeCount] = rate * gradient;
        activeCount += 1;
        bias[classes[slot]] -= rate * gradient;
      }
      for (let entry = start; entry < end && activeCount > 0; entry += 1) {
        const base = ids[entry] * classCount;
        const value = values[entry];
        for (let slot = 0; slot < activeCount; slot += 1) weights[base + active[slot]] -= gradients[slot] * value;
      }
    }
    for (let cell = 0; cell < weights.length; cell += 1) {
      weights[cell] *= decay;
      if (cell % CELLS_PER_STEP === CELLS_PER_STEP - 1) yield;
    }
  }

  yield;
  return compact(weights, bias, featureCount, classCount);
}

/**
 * The trained weights kept per feature as (class, weight) pairs, zeros left out. A feature only
 * moves the weights of the classes its texts competed with (with many agents, its agents and
 * their closest rivals), and the weights nothing moved stay exactly zero: for the 100-agent
 * benchmark set 30 % of the cells are non-zero, so the pairs take 7 MiB where the full matrix
 * took 16. Scores are bit-identical to the full matrix (w × v for w = 0 adds nothing to a sum).
 * Dense where it pays: with few agents most cells are non-zero and the full matrix is smaller.
 */
export function compact(weights: Float32Array, bias: Float64Array, featureCount: number, classCount: number): SoftmaxClassifier {
  let count = 0;
  for (let cell = 0; cell < featureCount * classCount; cell += 1) if (weights[cell] !== 0) count += 1;
  // A pair costs 6 bytes (2 for the class, 4 for the weight), a full cell 4.
  if (count * 6 >= featureCount * classCount * 4 || classCount > 65_535) return { classCount, logits: denseLogits(weights, bias, classCount) };
  const offsets = new Int32Array(featureCount + 1);
  const classes = new Uint16Array(count);
  const values = new Float32Array(count);
  let entry = 0;
  for (let feature = 0; feature < featureCount; feature += 1) {
    const base = feature * classCount;
    for (let label = 0; label < classCount; label += 1) {
      if (weights[base + label] === 0) continue;
      classes[entry] = label;
      values[entry] = weights[base + label];
      entry += 1;
    }
    offsets[feature + 1] = entry;
  }
  function logits(vector: SparseVector, output: Float64Array): Float64Array {
    output.set(bias);
    for (let position = 0; position < vector.ids.length; position += 1) {
      const feature = vector.ids[position];
      const value = vector.values[position];
      for (let slot = offsets[feature]; slot < offsets[feature + 1]; slot += 1) output[classes[slot]] += values[slot] * value;
    }
    return output;
  }
  return { classCount, logits };
}

export function denseLogits(weights: Float32Array, bias: Float64Array, classCount: number): SoftmaxClassifier['logits'] {
  return (vector, output) => {
    output.set(bias);
    for (let position = 0; position < vector.ids.length; position += 1) {
      const base = vector.ids[position] * classCount;
      const value = vector.values[position];
      for (let label = 0; label < classCount; label += 1) output[label] += weights[base + label] * value;
    }
    return output;
  };
}

/**
 * Each class with the `count` classes whose centroids are most similar to its own (itself
 * first). Exact softmax whenever classCount ≤ count + 1. Per class rather than per sample so
 * that choosing rivals costs one centroid-by-centroid pass, not one pass per sample.
 */
function* rivalsByClass(rows: SparseRows, labels: Int32Array, featureCount: number, classCount: number, count: number): BuildSteps<Int32Array[]> {
  const everyone = Int32Array.from({ length: classCount }, (_, label) => label);
  if (classCount <= count + 1) return Array.from({ length: classCount }, (_, label) => Int32Array.from([label, ...everyone.filter((other) => other !== label)]));
  // Centroids, each cut to its heaviest features: enough to tell which agents look alike, and
  // it bounds this pass at classCount² × CENTROID_FEATURES.
  const scratch = new Float64Array(featureCount);
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  labels.forEach((label, row) => byClass[label].push(row));
  const centroidIds: Int32Array[] = [];
  const centroidValues: Float64Array[] = [];
  for (let label = 0; label < classCount; label += 1) {
    if (label % CLASSES_PER_STEP === CLASSES_PER_STEP - 1) yield;
    const touched: number[] = [];
    for (const row of byClass[label]) {
      for (let entry = rows.offsets[row]; entry < rows.offsets[row + 1]; entry += 1) {
        const id = rows.ids[entry];
        if (scratch[id] === 0) touched.push(id);
        scratch[id] += rows.values[entry];
      }
    }
    const kept = touched.sort((left, right) => scratch[right] - scratch[left]).slice(0, CENTROID_FEATURES);
    let norm = 0;
    for (const id of kept) norm += scratch[id] * scratch[id];
    norm = Math.sqrt(norm) || 1;
    centroidIds.push(Int32Array.from(kept));
    centroidValues.push(Float64Array.from(kept, (id) => scratch[id] / norm));
    for (const id of touched) scratch[id] = 0;
  }
  const similarity = new Float64Array(classCount);
  const result: Int32Array[] = [];
  for (let label = 0; label < classCount; label += 1) {
    if (label % CLASSES_PER_STEP === CLASSES_PER_STEP - 1) yield;
    centroidIds[label].forEach((id, position) => (scratch[id] = centroidValues[label][position]));
    for (let other = 0; other < classCount; other += 1) {
      let dot = 0;
      const otherIds = centroidIds[other];
      for (let position = 0; position < otherIds.length; position += 1) dot += scratch[otherIds[position]] * centroidValues[other][position];
      similarity[other] = other === label ? Infinity : dot;
    }
    for (const id of centroidIds[label]) scratch[id] = 0;
    const ranked = Array.from(everyone).sort((left, right) => similarity[right] - similarity[left] || left - right);
    result.push(Int32Array.from(ranked.slice(0, count + 1)));
  }
  return result;
}

/** Turns scores into probabilities, in place; a higher `temperature` softens them. */
export function softmaxInPlace(values: Float64Array, temperature = 1): Float64Array {
  let maximum = -Infinity;
  for (const value of values) if (value > maximum) maximum = value;
  let sum = 0;
  for (let position = 0; position < values.length; position += 1) {
    values[position] = Math.exp((values[position] - maximum) / temperature);
    sum += values[position];
  }
  for (let position = 0; position < values.length; position += 1) values[position] /= sum;
  return values;
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  // mulberry32: tiny, fast, and good enough to shuffle training order reproducibly.
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items: Int32Array, random: () => number): void {
  for (let position = items.length - 1; position > 0; position -= 1) {
    const swapWith = Math.floor(random() * (position + 1));
    const kept = items[position];
    items[position] = items[swapWith];
    items[swapWith] = kept;
  }
}
