/**
 * History read benchmark on SQLite: 1 M messages (100 sessions × 10 000, 4 users, 3 agents, one
 * workspace), then p50/p99 of `store.history()` for random pages. Also the write on the answer
 * path (`insertMessage`) on the filled database.
 *
 *   node --import tsx bench/history.ts [--file PATH] [--keep] [--reuse] [--synchronous NORMAL|FULL]
 *
 * --keep leaves the database file; --reuse measures an existing file from a --keep run.
 *
 * The target: p99 ≤ 5 ms for any page (limit ≤ 200, any offset) of a 10 000-message session.
 *
 * Each "keyset" line reads the same pages as the offset line above it (a random position, or the
 * deepest one), continuing from a cursor (`HistoryQuery.cursor`: the message just before the
 * page) instead of skipping `offset` rows. The cursors are looked up beforehand (keysetQueries).
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newId } from '../src/ids.ts';
import { createSqliteStore } from '../src/store/sqlite/index.ts';
import type { HistoryQuery } from '../src/store/store.ts';
import { baseTime, fillHistoryDatabase, loadHistoryFixture, messagesPerSession, sessionCount, userText, type HistoryFixture } from './history-fill.ts';

const { values: options } = parseArgs({
  options: {
    file: { type: 'string', default: join(tmpdir(), `fleetchat-bench-history-${process.pid}.db`) },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    synchronous: { type: 'string', default: 'NORMAL' },
  },
});
const synchronous = options.synchronous === 'FULL' ? 'FULL' : 'NORMAL';


function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)];
}

const results: Record<string, { wallP99: number; cpuP99: number }> = {};

function randomInteger(below: number): number {
  return Math.floor(Math.random() * below);
}

async function measure(label: string, iterations: number, makeQuery: () => HistoryQuery, run: (query: HistoryQuery) => Promise<unknown>) {
  for (let index = 0; index < 50; index += 1) await run(makeQuery()); // warm the cache and the JIT
  const durations: number[] = [];
  // CPU time of the process as well as wall time: on a busy machine the wall clock also
  // counts the time spent waiting for a core, which the CPU time does not.
  const cpuTimes: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const query = makeQuery();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await run(query);
    durations.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  durations.sort((left, right) => left - right);
  cpuTimes.sort((left, right) => left - right);
  const format = (value: number) => value.toFixed(2).padStart(7);
  console.log(
    `${label.padEnd(56)} wall p50 ${format(percentile(durations, 0.5))} p99 ${format(percentile(durations, 0.99))} | cpu p50 ${format(percentile(cpuTimes, 0.5))} p99 ${format(percentile(cpuTimes, 0.99))} (ms)`,
  );
  results[label] = { wallP99: percentile(durations, 0.99), cpuP99: percentile(cpuTimes, 0.99) };
  return percentile(durations, 0.99);
}

if (!options.reuse) rmSync(options.file, { force: true });
const store = createSqliteStore({ filename: options.file, synchronous });
await store.migrate();
const database = store.database;

let fixture: HistoryFixture;
if (options.reuse && (database.prepare('SELECT COUNT(*) FROM messages').pluck().get() as number) > 0) {
  fixture = await loadHistoryFixture(store);
  console.log(`reusing ${options.file}`);
} else {
  const cpuBefore = process.cpuUsage();
  const filled = await fillHistoryDatabase(store);
  const cpu = process.cpuUsage(cpuBefore);
  fixture = filled;
  console.log(`filled in ${filled.seconds.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s cpu`);
}
const { workspace, users, agents, sessions } = fixture;
const total = database.prepare('SELECT COUNT(*) FROM messages').pluck().get() as number;
const bytes = (database.pragma('page_count', { simple: true }) as number) * (database.pragma('page_size', { simple: true }) as number);
console.log(`SQLite ${database.prepare('SELECT sqlite_version()').pluck().get()}, synchronous=${synchronous}, WAL, ${total.toLocaleString('en')} messages, ${(bytes / 2 ** 20).toFixed(0)} MiB`);
console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}\n`);

const history = (query: HistoryQuery) => store.history(query);
const member = users[1];
const memberSessions = sessions.filter((session) => session.userId === member.id);
const memberTotal = (await store.history({ workspaceId: workspace.id, userId: member.id, viewerId: member.id, limit: 1, offset: 0, order: 'desc' })).total;
const order = () => (Math.random() < 0.5 ? 'asc' : 'desc') as 'asc' | 'desc';
const sessionPage = (limit: number) => (): HistoryQuery => {
  const session = memberSessions[randomInteger(memberSessions.length)];
  return { workspaceId: workspace.id, userId: member.id, sessionId: session.id, viewerId: member.id, limit, offset: randomInteger(messagesPerSession), order: order() };
};

/**
 * Keyset versions of random offset queries: the same pages, each placed by the cursor just
 * before it (offset ≥ 1) instead of by its offset. The cursors are looked up beforehand, all
 * at once by row number (only the sampled ids are kept: holding a million ids in the heap
 * would add garbage-collection pauses to every line measured after).
 */
function keysetQueries(queries: HistoryQuery[]): HistoryQuery[] {
  const groups = new Map<string, HistoryQuery[]>();
  for (const query of queries) {
    const key = JSON.stringify([query.sessionId, query.userId, query.agentId]);
    groups.set(key, [...(groups.get(key) ?? []), query]);
  }
  const cursors = new Map<HistoryQuery, string>();
  for (const group of groups.values()) {
    const { sessionId, userId, agentId } = group[0];
    const where = sessionId !== undefined ? 'session_id = @sessionId' : `workspace_id = @workspaceId${userId !== undefined ? ' AND user_id = @userId' : ''}${agentId !== undefined ? ' AND agent_id = @agentId' : ''}`;
    const parameters = { sessionId, workspaceId: workspace.id, userId, agentId };
    const size = database.prepare(`SELECT COUNT(*) FROM messages WHERE ${where}`).pluck().get(parameters) as number;
    // Row n (1-based, ascending) is the cursor of a page after n messages (asc), or after size - n + 1 (desc).
    const rowOf = (query: HistoryQuery) => (query.order === 'asc' ? Math.max(1, query.offset) : size - Math.max(1, query.offset) + 1);
    const rows = database
      .prepare(`SELECT n, id FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM messages WHERE ${where}) WHERE n IN (SELECT value FROM json_each(@wanted))`)
      .all({ ...parameters, wanted: JSON.stringify(group.map(rowOf)) }) as { n: number; id: string }[];
    const idOf = new Map(rows.map((row) => [row.n, row.id]));
    for (const query of group) cursors.set(query, idOf.get(rowOf(query)) as string);
  }
  return queries.map((query) => ({ ...query, offset: 0, cursor: cursors.get(query) }));
}
/** The queries one after the other, as `measure` asks for them (warm-up included), round again if need be. */
function cycle(queries: HistoryQuery[]): () => HistoryQuery {
  let next = 0;
  return () => queries[next++ % queries.length];
}
const sample = (count: number, make: () => HistoryQuery) => Array.from({ length: count }, make);

// A keyset page is the offset page it stands for (checked on a few, outside the timings).
{
  const queries = sample(20, () => ({ workspaceId: workspace.id, userId: member.id, viewerId: member.id, limit: 50, offset: 1 + randomInteger(memberTotal - 1), order: order() }));
  const keyset = keysetQueries(queries);
  for (const [index, query] of queries.entries()) {
    const [byOffset, byCursor] = [await store.history(query), await store.history(keyset[index])];
    if (JSON.stringify(byOffset.data) !== JSON.stringify(byCursor.data) || byOffset.hasMore !== byCursor.hasMore) throw new Error(`keyset page differs at offset ${query.offset}`);
  }
}

await measure('session (10 000 msgs), limit 50, random offset', 2000, sessionPage(50), history);
await measure('session, limit 50, same pages by cursor', 2000, cycle(keysetQueries(sample(2050, sessionPage(50)))), history);
await measure('session (10 000 msgs), limit 200, random offset', 2000, sessionPage(200), history);
await measure('session, limit 200, same pages by cursor', 2000, cycle(keysetQueries(sample(2050, sessionPage(200)))), history);
await measure('session, limit 200, offset 9 800 (deepest)', 1000, () => ({ ...sessionPage(200)(), offset: 9800 }), history);
await measure('session, limit 200, deepest, by cursor', 1000, cycle(keysetQueries(sample(1050, () => ({ ...sessionPage(200)(), offset: 9800 })))), history);
await measure('session + agent filter, limit 50, random offset', 1000, () => {
  const query = sessionPage(50)();
  return { ...query, agentId: sessions.find((session) => session.id === query.sessionId)?.agentId };
}, history);
await measure(`member unfiltered (${memberTotal.toLocaleString('en')} msgs), limit 50, first page`, 300, () => ({ workspaceId: workspace.id, userId: member.id, viewerId: member.id, limit: 50, offset: 0, order: 'desc' }), history);
const memberPage = (): HistoryQuery => ({ workspaceId: workspace.id, userId: member.id, viewerId: member.id, limit: 50, offset: randomInteger(memberTotal), order: order() });
await measure('member unfiltered, limit 50, random offset', 300, memberPage, history);
await measure('member, limit 50, same pages by cursor', 2000, cycle(keysetQueries(sample(2050, memberPage))), history);
await measure('member + agent, limit 50, first page', 300, () => ({ workspaceId: workspace.id, userId: member.id, agentId: agents[1].id, viewerId: member.id, limit: 50, offset: 0, order: 'desc' }), history);
await measure(`admin unfiltered (${total.toLocaleString('en')} msgs), limit 50, first page`, 100, () => ({ workspaceId: workspace.id, viewerId: users[0].id, limit: 50, offset: 0, order: 'desc' }), history);
const adminPage = (): HistoryQuery => ({ workspaceId: workspace.id, viewerId: users[0].id, limit: 50, offset: randomInteger(total), order: order() });
await measure('admin unfiltered, limit 50, random offset', 100, adminPage, history);
await measure('admin, limit 50, same pages by cursor', 2000, cycle(keysetQueries(sample(2050, adminPage))), history);

// The write on the answer path, on the filled database.
let tick = baseTime + sessionCount * messagesPerSession * 10;
const session = memberSessions[0];
const insertDurations: number[] = [];
for (let index = 0; index < 2000; index += 1) {
  tick += 1;
  const started = performance.now();
  await store.insertMessage({ id: newId(tick), sessionId: session.id, workspaceId: workspace.id, userId: member.id, agentId: session.agentId, role: 'user', content: userText, status: 'complete', createdAt: new Date(tick) });
  insertDurations.push(performance.now() - started);
}
insertDurations.sort((left, right) => left - right);
console.log(`\n${'insertMessage (insert, counters, session bump: one transaction)'.padEnd(56)} wall p50 ${percentile(insertDurations, 0.5).toFixed(2).padStart(7)} p99 ${percentile(insertDurations, 0.99).toFixed(2).padStart(7)} (ms)`);

const target = 5;
const sessionResults = Object.entries(results).filter(([label]) => label.startsWith('session'));
const worstWall = Math.max(...sessionResults.map(([, result]) => result.wallP99));
const worstCpu = Math.max(...sessionResults.map(([, result]) => result.cpuP99));
console.log(`\nsession pages: worst p99 ${worstWall.toFixed(2)} ms wall, ${worstCpu.toFixed(2)} ms cpu; target ${target} ms`);

await store.close();
if (!options.keep) for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.file}${suffix}`, { force: true });
