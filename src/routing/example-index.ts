/**
 * Nearest examples: cosine similarity between a message and every training text through an
 * inverted index (feature → texts containing it), scored per agent as the mean of its `k` best
 * similarities. It complements the classifier, which generalises over an agent's whole
 * vocabulary, with "this message reads like that example": blended, they gain 0.7 point of
 * cross-validated top-1 over the classifier alone (docs/ROUTING.md).
 */
import type { BuildSteps } from './build-steps.ts';
import { transposeSteps, type SparseRows, type SparseVector } from './feature-space.ts';

export interface ExampleIndex {
  /** Mean of each agent's `k` best cosine similarities, written into `output`. */
  scores(vector: SparseVector, output: Float64Array): Float64Array;
}

// Postings remapped between two yields.
const ENTRIES_PER_STEP = 1 << 16;

/** Built as a sequence of steps (src/routing/build-steps.ts). */
export function* buildExampleIndexSteps(rows: SparseRows, labels: Int32Array, featureCount: number, classCount: number, k: number): BuildSteps<ExampleIndex> {
  const postings = yield* transposeSteps(rows, featureCount);
  // Texts are scored in label order so that each agent's similarities sit side by side.
  const textsByClass = Array.from({ length: classCount }, (): number[] => []);
  labels.forEach((label, row) => textsByClass[label].push(row));
  const classOffsets = new Int32Array(classCount + 1);
  textsByClass.forEach((texts, label) => (classOffsets[label + 1] = classOffsets[label] + texts.length));
  const rowsInClassOrder = Int32Array.from(textsByClass.flat());
  const slotOfRow = new Int32Array(rows.rowCount);
  rowsInClassOrder.forEach((row, slot) => (slotOfRow[row] = slot));
  for (let entry = 0; entry < postings.ids.length; entry += 1) {
    postings.ids[entry] = slotOfRow[postings.ids[entry]];
    if (entry % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
  }
  const similarities = new Float64Array(rows.rowCount);
  const best = new Float64Array(k);

  function scores(vector: SparseVector, output: Float64Array): Float64Array {
    similarities.fill(0);
    for (let position = 0; position < vector.ids.length; position += 1) {
      const feature = vector.ids[position];
      const value = vector.values[position];
      for (let entry = postings.offsets[feature]; entry < postings.offsets[feature + 1]; entry += 1) {
        similarities[postings.ids[entry]] += value * postings.values[entry];
      }
    }
    for (let label = 0; label < classCount; label += 1) {
      // Insertion into a k-slot descending list: k is small, and most similarities are below the floor.
      best.fill(0);
      for (let slot = classOffsets[label]; slot < classOffsets[label + 1]; slot += 1) {
        const similarity = similarities[slot];
        if (similarity <= best[k - 1]) continue;
        let position = k - 1;
        while (position > 0 && best[position - 1] < similarity) {
          best[position] = best[position - 1];
          position -= 1;
        }
        best[position] = similarity;
      }
      let sum = 0;
      for (let position = 0; position < k; position += 1) sum += best[position];
      // An agent with fewer than k texts is judged on those it has, not penalised for brevity.
      output[label] = sum / Math.max(1, Math.min(k, classOffsets[label + 1] - classOffsets[label]));
    }
    return output;
  }
  return { scores };
}
