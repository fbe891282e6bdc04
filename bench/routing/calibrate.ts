/**
 * Fits the softmax temperature of the embedded router by 5-fold cross-validation over the agents'
 * own examples (the dev queries are never used for fitting), then prints how the fitted
 * confidence behaves on dev. Run: node --import tsx bench/routing/calibrate.ts
 */
import { trainSoftmaxClassifier, softmaxInPlace } from '../../src/routing/classifier.ts';
import { trainingTexts } from '../../src/routing/router-index.ts';
import { buildVectorizer } from '../../src/routing/vectorizer.ts';
import { loadClinc } from './clinc.ts';

const FOLDS = 5;
const { profiles } = loadClinc();
const heldOut: { logits: Float32Array; label: number }[] = [];
for (let fold = 0; fold < FOLDS; fold += 1) {
  const trainingProfiles = profiles.map((profile) => ({ ...profile, examples: profile.examples.filter((_, position) => position % FOLDS !== fold) }));
  const labelled = trainingProfiles.flatMap((profile, label) => trainingTexts(profile).map((text) => ({ text, label })));
  const vectorizer = buildVectorizer(labelled.map((sample) => sample.text));
  const classifier = trainSoftmaxClassifier(labelled.map(({ text, label }) => ({ vector: vectorizer.vectorize(text), label })), vectorizer.featureCount, profiles.length);
  profiles.forEach((profile, label) => {
    profile.examples.forEach((text, position) => {
      if (position % FOLDS === fold) heldOut.push({ logits: classifier.logits(vectorizer.vectorize(text)), label });
    });
  });
}

let best = { temperature: 1, logLoss: Infinity };
for (let temperature = 0.5; temperature <= 4.0001; temperature += 0.05) {
  let logLoss = 0;
  for (const { logits, label } of heldOut) logLoss -= Math.log(Math.max(1e-12, softmaxInPlace(Float32Array.from(logits), temperature)[label]));
  logLoss /= heldOut.length;
  if (logLoss < best.logLoss) best = { temperature: Math.round(temperature * 100) / 100, logLoss };
}
const accuracy = heldOut.filter(({ logits, label }) => logits.indexOf(Math.max(...logits)) === label).length / heldOut.length;
console.log(`cross-validated accuracy on examples: ${(accuracy * 100).toFixed(1)} %`);
console.log(`fitted temperature: ${best.temperature} (log-loss ${best.logLoss.toFixed(3)})`);
// Reliability: within each confidence bin, how often the top choice was right.
const bins = Array.from({ length: 5 }, () => ({ count: 0, correct: 0, confidence: 0 }));
for (const { logits, label } of heldOut) {
  const probabilities = softmaxInPlace(Float32Array.from(logits), best.temperature);
  const confidence = Math.max(...probabilities);
  const bin = bins[Math.min(4, Math.floor(confidence * 5))];
  bin.count += 1;
  bin.confidence += confidence;
  if (probabilities.indexOf(confidence) === label) bin.correct += 1;
}
bins.forEach((bin, position) => {
  if (bin.count > 0) console.log(`  confidence ${(position / 5).toFixed(1)}–${((position + 1) / 5).toFixed(1)}: n=${bin.count} mean ${(bin.confidence / bin.count).toFixed(2)} accuracy ${(bin.correct / bin.count).toFixed(2)}`);
});
