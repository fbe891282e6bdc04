/**
 * Routing benchmark on CLINC150 as agents (../shared/routing/clinc-agents-dev.json):
 * in-scope top-1 accuracy, out-of-scope queries sent to the default agent at the shipped
 * threshold, and routing latency on the 10-agent set and a synthetic 100-agent set.
 * Run: npm run bench:routing
 */
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runInSlices } from '../src/agents/build-in-slices.ts';
import { loadWordVectors } from '../src/agents/word-vectors-file.ts';
import { buildRouterIndex, buildRouterIndexSteps, route, scoreMessage, DEFAULT_THRESHOLD, type AgentProfile, type RouterIndex } from '../src/routing/index.ts';
import { loadClinc } from './routing/clinc.ts';
import { perturb, syntheticProfiles } from './routing/synthetic.ts';

const { profiles, fallbackAgentId, dev } = loadClinc();
const inScope = dev.filter((query) => !query.outOfScope);
const outOfScope = dev.filter((query) => query.outOfScope);
const options = { recentWindowMs: 10 * 60_000 };
// As the server loads it (ROUTING_WORD_VECTORS=off measures the lexical-only router).
const wordVectors = loadWordVectors(process.env.ROUTING_WORD_VECTORS === 'off' ? 'off' : 'default');
const build = (agentProfiles: AgentProfile[]) => buildRouterIndex(agentProfiles, { wordVectors: wordVectors.vectors });

// CPU time (user + system of this process) as well as wall time: the machine this runs on may be
// shared, and CPU time does not count the time the process waits to be scheduled.
function cpuMilliseconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function timed<T>(work: () => T): { result: T; milliseconds: number; cpuMilliseconds: number } {
  const cpuStart = cpuMilliseconds();
  const start = process.hrtime.bigint();
  const result = work();
  return { result, milliseconds: Number(process.hrtime.bigint() - start) / 1e6, cpuMilliseconds: cpuMilliseconds() - cpuStart };
}

/** The first build (cold: the app's start) and the median of the next ones (warm: an agent changed). */
function buildTimes(agentProfiles: typeof profiles, rebuilds: number) {
  const cold = timed(() => build(agentProfiles));
  const warm = Array.from({ length: rebuilds }, () => timed(() => build(agentProfiles)));
  const median = (values: number[]) => values.sort((left, right) => left - right)[Math.floor(values.length / 2)];
  return {
    index: cold.result,
    cold: { cpu: cold.cpuMilliseconds, wall: cold.milliseconds },
    warm: { cpu: median(warm.map((run) => run.cpuMilliseconds)), wall: median(warm.map((run) => run.milliseconds)) },
  };
}

const smallBuild = buildTimes(profiles, 5);
const index = smallBuild.index;
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
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const message of messages) {
      const { milliseconds, cpuMilliseconds } = timed(() => decide(routerIndex, message));
      wall.push(milliseconds);
      cpu.push(cpuMilliseconds);
    }
  }
  const percentile = (samples: number[], share: number) => samples.sort((left, right) => left - right)[Math.min(samples.length - 1, Math.floor(share * samples.length))];
  return { p50: percentile(wall, 0.5), p99: percentile(wall, 0.99), cpuP50: percentile(cpu, 0.5), cpuP99: percentile(cpu, 0.99), count: wall.length };
}

const messages = dev.map((query) => query.text);
const small = latency(index, messages, 3);
const largeProfiles = syntheticProfiles(profiles, 10);
const largeBuild = buildTimes(largeProfiles, 3);
const largeIndex = largeBuild.index;
const large = latency(largeIndex, messages.map((message, position) => perturb(message, position % 10)), 3);

// What the server does when an agent changes: the 100-agent build in slices. The longest the
// event loop waited meanwhile is the longest any request waited because of the build.
async function slicedBuild(agentProfiles: AgentProfile[]) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const keepBusy = setInterval(() => undefined, 1); // a timer due every millisecond, as under load
  delay.enable();
  const start = performance.now();
  await runInSlices(buildRouterIndexSteps(agentProfiles, { wordVectors: wordVectors.vectors }));
  const wall = performance.now() - start;
  delay.disable();
  clearInterval(keepBusy);
  return { wall, maxBlock: delay.max / 1e6, p99Block: delay.percentile(99) / 1e6 };
}
const sliced = await slicedBuild(largeProfiles);

// A fixed loop, to tell a slow or busy machine from a slow router when reading the figures.
const reference = timed(() => {
  const values = new Float32Array(1_000_000).fill(0.5);
  let sum = 0;
  for (let round = 0; round < 10; round += 1) for (let position = 0; position < values.length; position += 1) sum += values[position] * 1.0001;
  return sum;
});

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const milliseconds = (value: number) => `${value.toFixed(3)} ms`;
const shipped = atThreshold(DEFAULT_THRESHOLD);
const rows: [string, string, string][] = [
  ['in-scope top-1 accuracy (dev, 3000)', percent(top1), '≥ 92 %'],
  [`out-of-scope sent to default (dev, 100) @ ${DEFAULT_THRESHOLD}`, percent(shipped.outOfScopeToDefault), '≥ 70 %'],
  [`in-scope lost to default @ ${DEFAULT_THRESHOLD}`, percent(shipped.inScopeLost), '≤ 10 %'],
  [`in-scope routed to the right agent @ ${DEFAULT_THRESHOLD}`, percent(shipped.routedCorrectly), ''],
  [`latency p50 / p99 wall, ${profiles.length} agents (${small.count} decisions)`, `${milliseconds(small.p50)} / ${milliseconds(small.p99)}`, ''],
  [`latency p50 / p99 CPU, ${profiles.length} agents`, `${milliseconds(small.cpuP50)} / ${milliseconds(small.cpuP99)}`, ''],
  [`latency p50 / p99 wall, ${largeProfiles.length} agents × 75 examples (${large.count})`, `${milliseconds(large.p50)} / ${milliseconds(large.p99)}`, 'p99 ≤ 1 ms'],
  [`latency p50 / p99 CPU, ${largeProfiles.length} agents × 75 examples`, `${milliseconds(large.cpuP50)} / ${milliseconds(large.cpuP99)}`, 'p99 ≤ 1 ms'],
  [`index build ${profiles.length} agents, CPU / wall, cold`, `${smallBuild.cold.cpu.toFixed(0)} ms / ${smallBuild.cold.wall.toFixed(0)} ms`, 'CPU ≤ 50 ms'],
  [`index build ${profiles.length} agents, CPU / wall, warm (median of 5)`, `${smallBuild.warm.cpu.toFixed(0)} ms / ${smallBuild.warm.wall.toFixed(0)} ms`, 'CPU ≤ 50 ms'],
  [`index build ${largeProfiles.length} agents, CPU / wall, cold`, `${largeBuild.cold.cpu.toFixed(0)} ms / ${largeBuild.cold.wall.toFixed(0)} ms`, 'CPU ≤ 1 s'],
  [`index build ${largeProfiles.length} agents, CPU / wall, warm (median of 3)`, `${largeBuild.warm.cpu.toFixed(0)} ms / ${largeBuild.warm.wall.toFixed(0)} ms`, 'CPU ≤ 1 s'],
  [`index build ${largeProfiles.length} agents in slices (as the server): wall / longest event-loop block`, `${sliced.wall.toFixed(0)} ms / ${sliced.maxBlock.toFixed(1)} ms`, ''],
  ['machine reference: 10 M float multiply-adds, CPU / wall', `${milliseconds(reference.cpuMilliseconds)} / ${milliseconds(reference.milliseconds)}`, '(~10 ms on an idle modern core)'],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`fleetchat routing benchmark: embedded router, CLINC150 dev (${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)})`);
console.log(`${wordVectors.note}\n`);
console.log(`${'measure'.padEnd(width)}  ${'result'.padEnd(24)}  target`);
for (const [label, value, target] of rows) console.log(`${label.padEnd(width)}  ${value.padEnd(24)}  ${target}`);

console.log('\nthreshold sweep (dev):');
console.log('threshold  OOS→default  in-scope lost  in-scope right');
for (const threshold of [0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8]) {
  const row = atThreshold(threshold);
  console.log(`${threshold.toFixed(2).padStart(9)}  ${percent(row.outOfScopeToDefault).padStart(11)}  ${percent(row.inScopeLost).padStart(13)}  ${percent(row.routedCorrectly).padStart(14)}`);
}
