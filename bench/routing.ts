/**
 * Routing benchmark on CLINC150 as agents (../shared/routing/clinc-agents-dev.json):
 * in-scope top-1 accuracy, out-of-scope queries sent to the default agent at the shipped
 * threshold, and routing latency on the 10-agent set and a synthetic 100-agent set.
 * Run: npm run bench:routing
 */
import { cpus, loadavg } from 'node:os';
import { buildRouterIndex, route, scoreMessage, DEFAULT_THRESHOLD, type RouterIndex } from '../src/routing/index.ts';
import { loadClinc } from './routing/clinc.ts';
import { perturb, syntheticProfiles } from './routing/synthetic.ts';

const { profiles, fallbackAgentId, dev } = loadClinc();
const inScope = dev.filter((query) => !query.outOfScope);
const outOfScope = dev.filter((query) => query.outOfScope);
const options = { recentWindowMs: 10 * 60_000 };

function timed<T>(work: () => T): { result: T; milliseconds: number } {
  const start = process.hrtime.bigint();
  const result = work();
  return { result, milliseconds: Number(process.hrtime.bigint() - start) / 1e6 };
}

const { result: index, milliseconds: buildMilliseconds } = timed(() => buildRouterIndex(profiles));
const decide = (routerIndex: RouterIndex, message: string, threshold = DEFAULT_THRESHOLD) =>
  route({ message, context: {}, index: routerIndex, defaultAgentId: fallbackAgentId, options: { ...options, threshold } });

const topScores = inScope.map((query) => ({ query, best: scoreMessage(index, query.text)[0] }));
const top1 = topScores.filter(({ query, best }) => best.agentId === query.agentId).length / inScope.length;
const outScores = outOfScope.map((query) => scoreMessage(index, query.text)[0].score);

function atThreshold(threshold: number) {
  const routed = inScope.map((query) => decide(index, query.text, threshold));
  return {
    threshold,
    routedCorrectly: routed.filter((decision, position) => decision.agentId === inScope[position].agentId).length / inScope.length,
    inScopeLost: routed.filter((decision) => decision.strategy === 'default').length / inScope.length,
    outOfScopeToDefault: outScores.filter((score) => score < threshold).length / outOfScope.length,
  };
}

function latency(routerIndex: RouterIndex, messages: string[], rounds: number) {
  for (const message of messages.slice(0, 1_000)) decide(routerIndex, message); // warm-up: JIT and caches
  const samples: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const message of messages) samples.push(timed(() => decide(routerIndex, message)).milliseconds);
  }
  samples.sort((left, right) => left - right);
  const percentile = (share: number) => samples[Math.min(samples.length - 1, Math.floor(share * samples.length))];
  return { p50: percentile(0.5), p99: percentile(0.99), count: samples.length };
}

const messages = dev.map((query) => query.text);
const small = latency(index, messages, 3);
const largeProfiles = syntheticProfiles(profiles, 10);
const { result: largeIndex, milliseconds: largeBuildMilliseconds } = timed(() => buildRouterIndex(largeProfiles));
const large = latency(largeIndex, messages.map((message, position) => perturb(message, position % 10)), 3);

// A fixed loop, to tell a slow or busy machine from a slow router when reading the figures.
const reference = timed(() => {
  const values = new Float32Array(1_000_000).fill(0.5);
  let sum = 0;
  for (let round = 0; round < 10; round += 1) for (let position = 0; position < values.length; position += 1) sum += values[position] * 1.0001;
  return sum;
}).milliseconds;

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const milliseconds = (value: number) => `${value.toFixed(3)} ms`;
const shipped = atThreshold(DEFAULT_THRESHOLD);
const rows: [string, string, string][] = [
  ['in-scope top-1 accuracy (dev, 3000)', percent(top1), '≥ 92 %'],
  [`out-of-scope sent to default (dev, 100) @ ${DEFAULT_THRESHOLD}`, percent(shipped.outOfScopeToDefault), '≥ 70 %'],
  [`in-scope lost to default @ ${DEFAULT_THRESHOLD}`, percent(shipped.inScopeLost), '≤ 10 %'],
  [`in-scope routed to the right agent @ ${DEFAULT_THRESHOLD}`, percent(shipped.routedCorrectly), ''],
  [`latency p50 / p99, ${profiles.length} agents (${small.count} decisions)`, `${milliseconds(small.p50)} / ${milliseconds(small.p99)}`, ''],
  [`latency p50 / p99, ${largeProfiles.length} agents × 75 examples (${large.count})`, `${milliseconds(large.p50)} / ${milliseconds(large.p99)}`, 'p99 ≤ 1 ms'],
  ['machine reference: 10 M float multiply-adds', milliseconds(reference), '(~10 ms on an idle modern core)'],
  [`index build, ${profiles.length} / ${largeProfiles.length} agents`, `${buildMilliseconds.toFixed(0)} ms / ${largeBuildMilliseconds.toFixed(0)} ms`, ''],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`fleetchat routing benchmark: embedded router, CLINC150 dev (${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)})\n`);
console.log(`${'measure'.padEnd(width)}  ${'result'.padEnd(22)}  target`);
for (const [label, value, target] of rows) console.log(`${label.padEnd(width)}  ${value.padEnd(22)}  ${target}`);

console.log('\nthreshold sweep (dev):');
console.log('threshold  OOS→default  in-scope lost  in-scope right');
for (const threshold of [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8]) {
  const row = atThreshold(threshold);
  console.log(`${threshold.toFixed(2).padStart(9)}  ${percent(row.outOfScopeToDefault).padStart(11)}  ${percent(row.inScopeLost).padStart(13)}  ${percent(row.routedCorrectly).padStart(14)}`);
}
