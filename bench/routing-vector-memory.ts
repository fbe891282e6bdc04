/**
 * Memory a vector router (encoder or embeddings mode) holds for the agents' texts' vectors:
 * after the warm-up and a first message, then after one agent changed and the old index is gone.
 * The vectors are random (512 dimensions, in batches of 16 like the sentence encoder's): the
 * figures are about where the router keeps them, not about the encoder.
 *
 * Run: npm run bench:routing:memory   (node --expose-gc --import tsx bench/routing-vector-memory.ts)
 */
import { buildRouterIndex, type AgentProfile, type RouteInput, type RouterIndex } from '../src/routing/index.ts';
import { createVectorRouter, type VectorSource } from '../src/routing/modes/embeddings-router.ts';
import { loadClinc } from './routing/clinc.ts';
import { syntheticProfiles } from './routing/synthetic.ts';
import { describeMachine, printMachine, printTable, round, writeResult } from './support/report.ts';

const DIMENSIONS = 512;
const BATCH = 16;
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) {
  console.error('run with node --expose-gc (npm run bench:routing:memory)');
  process.exit(2);
}

let seed = 1;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed / 0x7fffffff - 0.5;
};
const source: VectorSource = {
  warmInBackground: true,
  async embed(texts) {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += BATCH) {
      const count = Math.min(BATCH, texts.length - start);
      const flat = Float32Array.from({ length: count * DIMENSIONS }, random);
      for (let row = 0; row < count; row += 1) vectors.push(flat.subarray(row * DIMENSIONS, (row + 1) * DIMENSIONS));
    }
    return vectors;
  },
};

function heldMiB(): number {
  for (let pass = 0; pass < 3; pass += 1) collect!();
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.arrayBuffers) / 2 ** 20;
}

const settle = async () => {
  // FinalizationRegistry callbacks run after a collection, on a later turn.
  for (let turn = 0; turn < 5; turn += 1) {
    collect!();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

async function measure(label: string, profiles: AgentProfile[]) {
  const input = (index: RouterIndex): RouteInput => ({ message: 'book a flight to rome', context: {}, index, defaultAgentId: profiles[0].id, options: { recentWindowMs: 60_000, threshold: 0.5 } });
  // What an index itself takes, so that dropping the old one is not counted as the router's.
  let probe: RouterIndex | undefined = buildRouterIndex(profiles);
  await settle();
  const withProbe = heldMiB();
  probe = undefined;
  await settle();
  const indexMiB = withProbe - heldMiB();
  let index: RouterIndex | undefined = buildRouterIndex(profiles);
  const changed = profiles.map((profile, position) => (position === 0 ? { ...profile, examples: profile.examples.map((text) => `${text} please`) } : profile));
  const nextIndex = buildRouterIndex(changed);
  await settle();
  const before = heldMiB();
  const router = createVectorRouter('encoder', source);
  await router.warmUp(index);
  await router.route(input(index));
  await settle();
  const warmed = heldMiB() - before;
  const texts = router.cachedVectorCount;
  await router.warmUp(nextIndex);
  await router.route(input(nextIndex));
  index = undefined; // the agent changed: the old index goes
  await settle();
  const afterChange = heldMiB() - (before - indexMiB);
  return { label, texts, warmedMiB: round(warmed, 1), bytesPerText: Math.round((warmed * 2 ** 20) / texts), afterChangeMiB: round(afterChange, 1), textsAfterChange: router.cachedVectorCount };
}

const machine = describeMachine();
printMachine(machine);
const { profiles } = loadClinc();
const results = [await measure('10 agents (CLINC)', profiles), await measure('100 agents × 75 examples', syntheticProfiles(profiles, 10))];
printTable(
  ['agents', 'texts', 'held after warm-up (MiB)', 'bytes per text', 'after an agent changed (MiB)', 'texts cached then'],
  results.map((result) => [result.label, result.texts, result.warmedMiB, result.bytesPerText, result.afterChangeMiB, result.textsAfterChange]),
);
console.log(`\nwritten: ${writeResult('routing-vector-memory', { machine, dimensions: DIMENSIONS, results })}`);
