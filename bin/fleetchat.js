#!/usr/bin/env node
// Starts the bundle in dist/server when it is at least as new as every source file (npm install
// builds it); otherwise runs the TypeScript sources through tsx, so an edited checkout never
// runs stale code and `npm start` never needs a build step.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'server', 'fleetchat.js');

function newestSource(folder) {
  let newest = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  try {
    const builtAt = Number(fs.readFileSync(path.join(root, 'dist', 'server', 'built-at'), 'utf8'));
    return fs.existsSync(bundle) && builtAt >= newestSource(path.join(root, 'src'));
  } catch {
    return false;
  }
}

let entry;
if (process.env.FLEETCHAT_FROM_SOURCE !== '1' && bundleIsFresh()) {
  entry = await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import(pathToFileURL(path.join(root, 'src', 'cli', 'index.ts')).href);
}
process.exitCode = await entry.main(process.argv.slice(2));
