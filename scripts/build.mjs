#!/usr/bin/env node
// Bundles the server and CLI (src/) into dist/ with esbuild, so that `fleetchat` starts on plain
// Node without compiling TypeScript at run time. Run by `npm install` (prepare); bin/fleetchat.js
// falls back to the sources through tsx whenever dist/ is missing or older than src/.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'server');
fs.rmSync(outdir, { recursive: true, force: true });
const started = performance.now();
await build({
  entryPoints: [path.join(root, 'src/cli/index.ts')],
  outdir,
  bundle: true,
  splitting: true, // PostgreSQL and Redis backends stay separate chunks, loaded only when used
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  entryNames: 'fleetchat',
});
fs.writeFileSync(path.join(outdir, 'built-at'), String(Date.now()));
process.stdout.write(`fleetchat: server bundled into dist/server in ${Math.round(performance.now() - started)} ms\n`);
