#!/usr/bin/env node
// Bundles the server and CLI (src/), and the client (src/client/), into dist/ with esbuild, so that `fleetchat` starts on plain
// Node without compiling TypeScript at run time. Run by `npm install` (prepare); bin/fleetchat.js
// falls back to the sources through tsx whenever dist/ is missing or older than src/.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClientTypes } from './build-client-types.mjs';

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
// The typed client as plain JavaScript, so that `import … from 'fleetchat/client'` works on plain
// Node and in any bundler; its declaration files go to dist/types (package.json "exports").
const clientOutdir = path.join(root, 'dist', 'client');
fs.rmSync(clientOutdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'src/client/index.ts')],
  outdir: clientOutdir,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: ['node20', 'es2022'],
  packages: 'external', // ws, imported only on Node, when the client opens a socket
  sourcemap: 'linked',
  logLevel: 'warning',
});
buildClientTypes(root);
process.stdout.write(`fleetchat: server bundled into dist/server, client into dist/client (types in dist/types), in ${Math.round(performance.now() - started)} ms\n`);
