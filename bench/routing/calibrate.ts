/**
 * Fits the embedded router's calibration by 5-fold cross-validation over the agents' own
 * examples (fold f holds out every agent's examples at positions ≡ f mod 5; the dev queries are
 * never used): the classifier's and the nearest-examples' softmax temperatures (minimum held-out
 * log-loss), then the blend weight (best held-out top-1, ties to lower log-loss), and prints the
 * reliability of the result. Run: node --import tsx bench/routing/calibrate.ts
 */
import { loadWordVectors } from '../../src/agents/word-vectors-file.ts';
import { softmaxInPlace } from '../../src/routing/classifier.ts';
import { CALIBRATION, trainingTexts, trainScorers } from '../../src/routing/router-index.ts';
import { loadClinc } from './clinc.ts';

const FOLDS = 5;
const { profiles } = loadClinc();
const wordVectors = loadWordVectors(process.env.ROUTING_WORD_VECTORS === 'off' ? 'off' : 'default');
console.log(wordVectors.note);
const classCount = profiles.length;
const heldOut: { logits: Float64Array; nearest: Float64Array; label: number }[] = [];
for (let fold = 0; fold < FOLDS; fold += 1) {
  const training = profiles.map((profile) => ({ ...profile, examples: profile.examples.filter((_, position) => position % FOLDS !== fold) }));
  const labelled = training.flatMap((profile, label) => trainingTexts(profile).map((text) => ({ text, label })));
  const { space, classifier, examples, classifierInput } = trainScorers(
    labelled.map((sample) => sample.text),
    Int32Array.from(labelled, (sample) => sample.label),
    classCount,
    { wordVectors: wordVectors.vectors },
  );
  profiles.forEach((profile, label) => {
    profile.examples.forEach((text, position) => {
      if (position % FOLDS !== fold) return;
      const vector = space.vectorize(text);
      heldOut.push({ logits: classifier.logits(classifierInput(vector, text), new Float64Array(classCount)), nearest: examples.scores(vector, new Float64Array(classCount)), label });
    });
  });
}

const probabilities = (scores: Float64Array, temperature: number) => softmaxInPlace(Float64Array.from(scores), temperature);
function fitTemperature(pick: (sample: (typeof heldOut)[number]) => Float64Array): number {
  let best = { temperature: 1, logLoss: Infinity };
  for (let temperature = 0.005; temperature < 5; temperature *= 1.05) {
    let logLoss = 0;
    for (const sample of heldOut) logLoss -= Math.log(Math.max(1e-12, probabilities(pick(sample), temperature)[sample.label]));
    if (logLoss < best.logLoss) best = { temperature, logLoss };
  }
  return best.temperature;
}
const classifierTemperature = fitTemperature((sample) => sample.logits);
const examplesTemperature = fitTemperature((sample) => sample.nearest);
const blended = (sample: (typeof heldOut)[number], weight: number) => {
  const fromClassifier = probabilities(sample.logits, classifierTemperature);
  const fromExamples = probabilities(sample.nearest, examplesTemperature);
  return fromClassifier.map((probability, label) => (1 - weight) * probability + weight * fromExamples[label]);
};
const argmax = (values: Float64Array) => values.indexOf(Math.max(...values));
const evaluate = (weight: number) => {
  let correct = 0;
  let logLoss = 0;
  for (const sample of heldOut) {
    const blend = blended(sample, weight);
    if (argmax(blend) === sample.label) correct += 1;
    logLoss -= Math.log(Math.max(1e-12, blend[sample.label]));
  }
  return { weight, accuracy: correct / heldOut.length, logLoss: logLoss / heldOut.length };
};
const sweep = [0, 1 / 6, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 1].map(evaluate);
const chosen = sweep.reduce((best, row) => (row.accuracy > best.accuracy + 1e-9 || (Math.abs(row.accuracy - best.accuracy) < 1e-9 && row.logLoss < best.logLoss) ? row : best));

console.log(`held-out examples: ${heldOut.length} (${FOLDS} folds)`);
console.log(`classifier temperature: ${classifierTemperature.toFixed(3)} (shipped ${CALIBRATION.classifierTemperature})`);
console.log(`nearest-examples temperature: ${examplesTemperature.toFixed(4)} (shipped ${CALIBRATION.examplesTemperature})`);
for (const row of sweep) console.log(`  examples weight ${row.weight.toFixed(2)}: top-1 ${(row.accuracy * 100).toFixed(1)} %, log-loss ${row.logLoss.toFixed(3)}`);
console.log(`chosen examples weight: ${chosen.weight.toFixed(2)} (shipped ${CALIBRATION.examplesWeight.toFixed(2)})`);
// Reliability: within each confidence bin, how often the top choice was right.
const bins = Array.from({ length: 5 }, () => ({ count: 0, correct: 0, confidence: 0 }));
for (const sample of heldOut) {
  const blend = blended(sample, chosen.weight);
  const confidence = Math.max(...blend);
  const bin = bins[Math.min(4, Math.floor(confidence * 5))];
  bin.count += 1;
  bin.confidence += confidence;
  if (argmax(blend) === sample.label) bin.correct += 1;
}
bins.forEach((bin, position) => {
  if (bin.count > 0) console.log(`  confidence ${(position / 5).toFixed(1)}–${((position + 1) / 5).toFixed(1)}: n=${bin.count} mean ${(bin.confidence / bin.count).toFixed(2)} accuracy ${(bin.correct / bin.count).toFixed(2)}`);
});
