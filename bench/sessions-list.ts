/**
 * Session listing (`GET /api/chat/sessions`, `store.listSessions`) on SQLite with many sessions in
 * one workspace: 200 000 sessions of 4 users and 3 agents. Reports p50 / p99 of the first page
 * (limit 50) for the workspace (admins, `all=true`), one user (50 000 sessions) and one agent,
 * and of a page continued from a cursor deep in the workspace's listing. Every page also counts
 * its total, which is what grows with the number of sessions.
 *
 *   node --import tsx bench/sessions-list.ts [--sessions N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newId } from '../src/ids.ts';
import { createSqliteStore } from '../src/store/sqlite/index.ts';
import type { AgentConfig, SessionQuery } from '../src/store/store.ts';
import { describeMachine, percentile, printMachine, printTable, round, writeResult } from './support/report.ts';

const { values: options } = parseArgs({ options: { sessions: { type: 'string', default: '200000' } } });
const sessionCount = Number(options.sessions);
const folder = mkdtempSync(join(tmpdir(), 'fleetchat-bench-sessions-'));
const machine = describeMachine();
printMachine(machine);

const store = await createSqliteStore({ filename: join(folder, 'fleetchat.db'), synchronous: 'NORMAL' });
try {
  await store.migrate();
  const now = new Date();
  const workspace = await store.createWorkspace({ id: newId(), name: 'bench', now });
  const users = Array.from({ length: 4 }, () => newId());
  const agents = Array.from({ length: 3 }, () => newId());
  for (const [position, id] of users.entries()) {
    await store.createUser({ id, workspaceId: workspace.id, email: `user${position}@bench.test`, passwordHash: 'not-a-hash', role: 'member', now });
  }
  const config: AgentConfig = { model: { default: 'mock/bench', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 16_000 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } };
  for (const [position, id] of agents.entries()) {
    await store.createAgent({ id, workspaceId: workspace.id, name: `Agent ${position}`, role: 'Bench', description: '', soul: '', status: 'online', config, source: 'api', now });
  }
  const filling = performance.now();
  const start = Date.now() - sessionCount * 1_000;
  let batch: Promise<unknown>[] = [];
  for (let position = 0; position < sessionCount; position += 1) {
    const at = new Date(start + position * 1_000);
    batch.push(store.createSession({ id: newId(), workspaceId: workspace.id, userId: users[position % users.length], agentId: agents[position % agents.length], title: `session ${position}`, now: at }));
    if (batch.length === 1_000) {
      await Promise.all(batch);
      batch = [];
    }
  }
  await Promise.all(batch);
  console.log(`${sessionCount} sessions written in ${Math.round((performance.now() - filling) / 1000)} s`);

  // A position deep in the workspace's listing (newest first): the 190 000th session or so.
  const deep = new Date(start + Math.floor(sessionCount * 0.05) * 1_000);
  const shapes: [string, Omit<SessionQuery, 'workspaceId' | 'limit' | 'offset'>][] = [
    [`workspace (${sessionCount} sessions), first page`, {}],
    [`workspace, a page after a deep cursor`, { cursor: { lastMessageAt: deep, id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' } }],
    [`one user (${sessionCount / users.length} sessions), first page`, { userId: users[0] }],
    [`one agent (${Math.round(sessionCount / agents.length)} sessions), first page`, { agentId: agents[0] }],
  ];
  const rows: (string | number)[][] = [];
  const results: Record<string, { p50: number; p99: number; total: number }> = {};
  for (const [label, shape] of shapes) {
    const query: SessionQuery = { workspaceId: workspace.id, limit: 50, offset: 0, ...shape };
    for (let warm = 0; warm < 20; warm += 1) await store.listSessions(query);
    const durations: number[] = [];
    let total = 0;
    for (let iteration = 0; iteration < 300; iteration += 1) {
      const started = performance.now();
      total = (await store.listSessions(query)).total;
      durations.push(performance.now() - started);
    }
    durations.sort((left, right) => left - right);
    results[label] = { p50: round(percentile(durations, 0.5)), p99: round(percentile(durations, 0.99)), total };
    rows.push([label, total, results[label].p50, results[label].p99]);
  }
  printTable(['page of 50', 'total', 'p50 ms', 'p99 ms'], rows);
  console.log(`\nwritten: ${writeResult('sessions-list', { machine, sessions: sessionCount, results })}`);
} finally {
  await store.close();
  rmSync(folder, { recursive: true, force: true });
}
