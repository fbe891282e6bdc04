#!/usr/bin/env node
// Builds the web console: src/console/main.ts (which imports the typed client and its CSS) is
// bundled by esbuild into dist/console/assets/ with content-hashed names, and
// dist/console/index.html is written last to point at them. `node scripts/build-console.mjs`
// builds; the server imports `ensureConsoleBuilt` to build at start when the bundle is missing
// or older than its sources, so `npm start` needs no extra step.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the console's sources are and where the bundle goes, for a project root. */
export function consolePaths(root = defaultRoot) {
  return {
    root,
    entry: path.join(root, 'src/console/main.ts'),
    template: path.join(root, 'src/console/index.html'),
    // Everything the bundle is made from: a newer file here makes the bundle stale.
    sources: [path.join(root, 'src/console'), path.join(root, 'src/client'), path.join(root, 'src/errors.ts'), fileURLToPath(import.meta.url)],
    outdir: path.join(root, 'dist/console'),
    index: path.join(root, 'dist/console/index.html'),
  };
}

function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** True when dist/console/index.html is missing or older than any source file. */
export function isConsoleStale(root = defaultRoot) {
  const paths = consolePaths(root);
  let built;
  try {
    built = fs.statSync(paths.index).mtimeMs;
  } catch {
    return true;
  }
  return paths.sources.some((source) => newestMtime(source) > built);
}

// Several test processes may build at once: each file is written under a temporary name and
// renamed, so a reader sees a whole old file or a whole new one, never half of one.
function writeAtomically(file, contents) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

const escapeAttribute = (value) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** Bundles the console; returns the files written (relative to dist/console) and the time taken. */
export async function buildConsole({ root = defaultRoot, minify = true } = {}) {
  const started = performance.now();
  const paths = consolePaths(root);
  // Imported here, not at the top: a server whose bundle is fresh never loads esbuild.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { main: paths.entry },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    minify,
    sourcemap: 'linked',
    // The client loads `ws` only where there is no native WebSocket, which a browser always has.
    external: ['ws'],
    entryNames: 'assets/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    outdir: paths.outdir,
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const written = [];
  let script;
  let style;
  for (const file of result.outputFiles) {
    const relative = path.relative(paths.outdir, file.path).split(path.sep).join('/');
    if (relative.endsWith('.js')) script = relative;
    if (relative.endsWith('.css')) style = relative;
    writeAtomically(file.path, file.contents);
    written.push(relative);
  }
  if (!script) throw new Error('esbuild produced no script for the console');
  const html = fs
    .readFileSync(paths.template, 'utf8')
    .replace('%SCRIPT%', escapeAttribute(`/${script}`))
    .replace('%STYLE%', style ? `<link rel="stylesheet" href="${escapeAttribute(`/${style}`)}">` : '');
  writeAtomically(paths.index, html);
  written.push('index.html');
  // Assets of earlier builds are never referenced again (index.html is not cached).
  const assets = path.join(paths.outdir, 'assets');
  for (const name of fs.readdirSync(assets)) {
    if (!written.includes(`assets/${name}`) && !name.includes('.tmp-')) fs.rmSync(path.join(assets, name), { force: true });
  }
  return { files: written, ms: Math.round(performance.now() - started) };
}

/** Builds when the bundle is missing or stale; `built: false` when it was up to date. */
export async function ensureConsoleBuilt({ root = defaultRoot } = {}) {
  if (!isConsoleStale(root)) return { built: false, files: [], ms: 0 };
  return { built: true, ...(await buildConsole({ root })) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { files, ms } = await buildConsole({ minify: !process.argv.includes('--dev') });
  console.log(`console built in ${ms} ms: ${files.map((file) => `dist/console/${file}`).join(', ')}`);
}
