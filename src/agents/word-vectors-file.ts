/**
 * Reads the embedded router's word-vector table from disk (the router itself stays pure and is
 * handed the table). The default table is built by `npm install` (scripts/build-word-vectors.ts);
 * without it the router is lexical only, which still works, about 2 points less accurate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/config-error.ts';
import type { Config } from '../config/types.ts';
import { projectRoot } from '../paths.ts';
import { decodeWordVectors, WordVectorsFormatError, type WordVectors } from '../routing/index.ts';

export const DEFAULT_WORD_VECTORS_PATH = path.join(projectRoot, 'dist', 'word-vectors', 'glove-100d-50k.bin');

export interface LoadedWordVectors {
  vectors?: WordVectors;
  /** One line for the start-up log: which table, or why there is none. */
  note: string;
}

// Servers in one process (tests, the CLI) share one decoded table per file.
const loaded = new Map<string, WordVectors>();

export function loadWordVectors(setting: Config['wordVectors']): LoadedWordVectors {
  if (setting === 'off') return { note: 'routing: word vectors off (ROUTING_WORD_VECTORS=off), lexical features only' };
  const file = setting === 'default' ? DEFAULT_WORD_VECTORS_PATH : setting.path;
  if (setting === 'default' && !fs.existsSync(file)) {
    return { note: `routing: no word-vector table at ${path.relative(process.cwd(), file) || file}, lexical features only; build it with \`npm run build:vectors\`` };
  }
  try {
    let vectors = loaded.get(file);
    if (vectors === undefined) {
      vectors = decodeWordVectors(fs.readFileSync(file));
      loaded.set(file, vectors);
    }
    return { vectors, note: `routing: ${vectors.size} word vectors of ${vectors.dimensions} dimensions from ${path.relative(process.cwd(), file) || file}` };
  } catch (error) {
    if (error instanceof WordVectorsFormatError || (error as NodeJS.ErrnoException).code !== undefined) {
      throw new ConfigError(`ROUTING_WORD_VECTORS: cannot read the word-vector table ${file}: ${(error as Error).message}; rebuild it with \`npm run build:vectors\` or set ROUTING_WORD_VECTORS=off`);
    }
    throw error;
  }
}
