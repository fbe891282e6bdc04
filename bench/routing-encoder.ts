/**
 * Routing benchmark of `routing.mode: encoder` on CLINC150 (../shared/routing/clinc-agents-dev.json):
 * the embedded router blended with the bundled sentence encoder, as the server runs it (the
 * encoder in its worker thread, the agents' texts embedded in the background first).
 * Reports in-scope top-1, out-of-scope sent to the default agent at the shipped threshold, the
 * time to embed the agents' texts, and the wall time per decision (worker round trip included).
 * Also: reading the stored vectors back (what a restart or another instance does), and the
 * encoder's cost per message one at a time against batched.
 * Run: npm run bench:routing:encoder [-- --large] (--large adds the 100-agent set: ~7 500 texts to embed first)
 */
import fs from 'node:fs';
import os, { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { withStoredVectors } from '../src/agents/stored-vectors.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { startSentenceEncoder } from '../src/agents/sentence-encoder.ts';
import { packVectors } from '../src/routing/modes/embeddings-router.ts';
import { loadWordVectors } from '../src/agents/word-vectors-file.ts';
import { buildRouterIndex, createEncoderRouter, DEFAULT_THRESHOLD, type RouterIndex } from '../src/routing/index.ts';
import { loadClinc } from './routing/clinc.ts';
import { perturb, syntheticProfiles } from './routing/synthetic.ts';

const { profiles, fallbackAgentId, dev } = loadClinc();
const wordVectors = loadWordVectors('default');
// No time limit per message here: the batching measure sends 128 at once, which the server's 1 s
// limit would cut short (the decisions are sent one at a time and never near it).
const encoder = startSentenceEncoder({ messageTimeoutMs: 60_000 });
const loadStart = performance.now();
await encoder.ready;
const loadMs = performance.now() - loadStart;
let fallbacks = 0;
// As the server runs it: the agents' texts' vectors kept in the store (a new SQLite file here).
const vectorFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-bench-vectors-'));
const store = createSqliteStore({ filename: path.join(vectorFolder, 'fleetchat.db') });
await store.migrate();
const router = createEncoderRouter(withStoredVectors(encoder, store), { onFallback: () => (fallbacks += 1) });

/** What a restart or another instance does instead of embedding again: read the stored vectors back. */
async function readBack() {
  const texts = (await store.listRoutingTexts(encoder.modelTag)).map((entry) => entry.text);
  const start = performance.now();
  const vectors = await store.getRoutingVectors(encoder.modelTag, texts);
  return { milliseconds: performance.now() - start, count: vectors.size };
}

/** Messages that wait together go to the worker together: the same messages one at a time, then all at once. */
async function batching(count: number) {
  const packed = packVectors(await Promise.all(profiles.map((profile) => encoder.embed(profile.examples.slice(0, 5)))));
  const messages = dev.slice(0, count).map((query) => query.text);
  let start = performance.now();
  for (const message of messages) await encoder.nearest(message, packed, 3);
  const oneAtATime = (performance.now() - start) / count;
  start = performance.now();
  await Promise.all(messages.map((message) => encoder.nearest(message, packed, 3)));
  return { oneAtATime, together: (performance.now() - start) / count };
}

async function warm(index: RouterIndex) {
  const start = performance.now();
  await router.warmUp(index);
  return performance.now() - start;
}

// Wall time per decision (what the caller waits), and the main thread's busy time in it (what the
// instance's other requests wait: the encoder itself runs in its worker thread).
async function run(index: RouterIndex, queries: typeof dev) {
  const wall: number[] = [];
  const mainThread: number[] = [];
  const decisions = [];
  for (const query of queries) {
    const start = performance.now();
    const utilization = performance.eventLoopUtilization();
    const decision = await router.route({ message: query.text, context: {}, index, defaultAgentId: fallbackAgentId, options: { recentWindowMs: 0, threshold: DEFAULT_THRESHOLD } });
    mainThread.push(performance.eventLoopUtilization(utilization).active);
    wall.push(performance.now() - start);
    decisions.push({ query, decision });
  }
  const percentile = (samples: number[], share: number) => [...samples].sort((left, right) => left - right)[Math.min(samples.length - 1, Math.floor(share * samples.length))];
  return { decisions, p50: percentile(wall, 0.5), p99: percentile(wall, 0.99), mainP50: percentile(mainThread, 0.5), mainP99: percentile(mainThread, 0.99) };
}

const index = buildRouterIndex(profiles, { wordVectors: wordVectors.vectors });
const warmMs = await warm(index);
const small = await run(index, dev);
const inScope = small.decisions.filter(({ query }) => !query.outOfScope);
const outOfScope = small.decisions.filter(({ query }) => query.outOfScope);
const top1 = inScope.filter(({ query, decision }) => decision.candidates[0]?.agentId === query.agentId).length / inScope.length;
const lost = inScope.filter(({ decision }) => decision.strategy === 'default').length / inScope.length;
const right = inScope.filter(({ query, decision }) => decision.agentId === query.agentId).length / inScope.length;
const oosToDefault = outOfScope.filter(({ decision }) => decision.strategy === 'default').length / outOfScope.length;

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const ms = (value: number) => `${value.toFixed(2)} ms`;
const rows: [string, string, string][] = [
  ['in-scope top-1 accuracy (dev, 3000)', percent(top1), '≥ 92 %'],
  [`out-of-scope sent to default (dev, 100) @ ${DEFAULT_THRESHOLD}`, percent(oosToDefault), '≥ 70 %'],
  [`in-scope lost to default @ ${DEFAULT_THRESHOLD}`, percent(lost), '≤ 10 %'],
  [`in-scope routed to the right agent @ ${DEFAULT_THRESHOLD}`, percent(right), ''],
  ['encoder load (worker start, model read)', ms(loadMs), ''],
  [`embedding the ${profiles.length} agents' texts (${router.cachedVectorCount})`, ms(warmMs), ''],
  [`latency p50 / p99 wall, ${profiles.length} agents (${small.decisions.length} decisions)`, `${ms(small.p50)} / ${ms(small.p99)}`, ''],
  [`main-thread time p50 / p99 per decision, ${profiles.length} agents`, `${ms(small.mainP50)} / ${ms(small.mainP99)}`, ''],
];
const smallRead = await readBack();
rows.push([`reading back the stored vectors (SQLite), ${smallRead.count} texts`, ms(smallRead.milliseconds), '']);
const batched = await batching(128);
rows.push(['encoder per message, 128 one at a time / all at once (batched)', `${ms(batched.oneAtATime)} / ${ms(batched.together)}`, '']);
if (process.argv.includes('--large')) {
  const largeProfiles = syntheticProfiles(profiles, 10);
  const largeIndex = buildRouterIndex(largeProfiles, { wordVectors: wordVectors.vectors });
  const before = router.cachedVectorCount;
  const largeWarm = await warm(largeIndex);
  const sample = dev.slice(0, 500).map((query, position) => ({ ...query, text: perturb(query.text, position % 10) }));
  const large = await run(largeIndex, sample);
  rows.push([`embedding the ${largeProfiles.length} agents' texts (${router.cachedVectorCount - before} new)`, ms(largeWarm), '']);
  rows.push([`latency p50 / p99 wall, ${largeProfiles.length} agents × 75 examples (${sample.length})`, `${ms(large.p50)} / ${ms(large.p99)}`, '']);
  rows.push([`main-thread time p50 / p99 per decision, ${largeProfiles.length} agents`, `${ms(large.mainP50)} / ${ms(large.mainP99)}`, '']);
  const largeRead = await readBack();
  rows.push([`reading back the stored vectors (SQLite), ${largeRead.count} texts`, ms(largeRead.milliseconds), '']);
}
rows.push(['decisions that fell back to the embedded router', String(fallbacks), '0']);
await encoder.close();
await store.close();
fs.rmSync(vectorFolder, { recursive: true, force: true });

const width = Math.max(...rows.map(([label]) => label.length));
console.log(`fleetchat routing benchmark: routing.mode encoder, CLINC150 dev (${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)})`);
console.log(`${wordVectors.note}\n`);
console.log(`${'measure'.padEnd(width)}  ${'result'.padEnd(20)}  target (of the embedded default)`);
for (const [label, value, target] of rows) console.log(`${label.padEnd(width)}  ${value.padEnd(20)}  ${target}`);
