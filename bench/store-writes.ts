/**
 * The SQLite store's share of an answer, without HTTP or a model: a turn is what a first message
 * writes (beginTurn with a new session and the user message, then completeAnswer with the answer,
 * its usage and the agent's activity), `--concurrency` turns in flight as under load, so that the
 * group commit batches them as it does in the server. Reports turns per second and the process's
 * CPU time per turn (user + system), which is steadier than wall time on a shared machine.
 *
 *   node --import tsx bench/store-writes.ts [--turns 20000] [--runs 5] [--concurrency 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newId } from '../src/ids.ts';
import { createSqliteStore } from '../src/store/sqlite/index.ts';
import { describeMachine, median, printMachine, printTable, round, writeResult } from './support/report.ts';

const { values: options } = parseArgs({
  options: {
    turns: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '50' },
  },
});
const turns = Number(options.turns);
const runs = Number(options.runs);
const concurrency = Number(options.concurrency);

const machine = describeMachine();
printMachine(machine);
console.log(`${runs} runs of ${turns} turns, ${concurrency} in flight, SQLite (WAL, synchronous NORMAL), after 3 000 warm-up turns each`);

async function measure(): Promise<{ turnsPerSecond: number; cpuMicrosecondsPerTurn: number }> {
  const folder = mkdtempSync(path.join(tmpdir(), 'fleetchat-store-writes-'));
  const store = createSqliteStore({ filename: path.join(folder, 'bench.sqlite') });
  try {
    await store.migrate();
    const now = new Date();
    const workspace = await store.createWorkspace({ id: newId(), name: `bench-${newId()}`, now });
    const user = await store.createUser({ id: newId(), workspaceId: workspace.id, email: 'bench@example.test', passwordHash: 'x', role: 'member', now });
    const agent = await store.createAgent({
      id: newId(), workspaceId: workspace.id, name: 'Bench', role: 'r', description: 'd', soul: 's', status: 'online', source: 'api', now,
      config: { model: { default: 'mock/a', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 1000 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } },
    });
    const owner = { workspaceId: workspace.id, userId: user.id, agentId: agent.id };
    const turn = async (): Promise<void> => {
      const sessionId = newId();
      const at = new Date();
      await store.beginTurn({
        session: { id: sessionId, ...owner, title: 'Summarize last week', now: at },
        message: { id: newId(), sessionId, ...owner, role: 'user', content: 'Summarize the top competitor moves from last week.', status: 'complete', createdAt: at },
      });
      await store.completeAnswer({
        streamed: false,
        message: { id: newId(), sessionId, ...owner, role: 'assistant', content: "Here's a summary of last week's moves. ".repeat(6), status: 'complete', inputTokens: 24, outputTokens: 60, model: 'mock/a', durationMs: 3, routedBy: 'explicit', createdAt: new Date() },
        usage: { workspaceId: workspace.id, agentId: agent.id, model: 'mock/a', day: at.toISOString().slice(0, 10), inputTokens: 24, outputTokens: 60, errors: 0, at },
      });
    };
    const drive = async (count: number): Promise<void> => {
      let started = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (started < count) {
            started += 1;
            await turn();
          }
        }),
      );
    };
    await drive(3000);
    const startedAt = performance.now();
    const cpuBefore = process.cpuUsage();
    await drive(turns);
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = (performance.now() - startedAt) / 1000;
    return { turnsPerSecond: turns / seconds, cpuMicrosecondsPerTurn: (cpu.user + cpu.system) / turns };
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

const results = [];
for (let run = 0; run < runs; run += 1) results.push(await measure());
printTable(
  ['run', 'turns/s', 'CPU µs per turn'],
  results.map((result, run) => [run + 1, round(result.turnsPerSecond, 0), round(result.cpuMicrosecondsPerTurn, 1)]),
);
const summary = {
  turnsPerSecondMedian: round(median(results.map((result) => result.turnsPerSecond)), 0),
  cpuMicrosecondsPerTurnMedian: round(median(results.map((result) => result.cpuMicrosecondsPerTurn)), 1),
};
console.log(`median: ${summary.turnsPerSecondMedian} turns/s, ${summary.cpuMicrosecondsPerTurnMedian} µs CPU per turn`);
console.log(`written: ${writeResult('store-writes', { machine, options: { turns, runs, concurrency }, runs: results, ...summary })}`);
