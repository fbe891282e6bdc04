/**
 * History pages on PostgreSQL with 1 M messages: p50/p99 of `store.history()` for random
 * pages, through the real store (pool, prepared statements, row mapping). Target: p99 ≤ 10 ms.
 *
 *   node --import tsx bench/history-postgres.ts
 *
 * Environment: BENCH_DATABASE_URL (default: the local test database), BENCH_RUNS (per
 * scenario, default 1000), BENCH_KEEP=1 to keep the filled schema (and reuse it next time).
 *
 * Data: one workspace, 20 members, 4 agents, 100 sessions × 10 000 messages. Sessions are
 * interleaved in time (message i belongs to session i mod 100), so a session's rows are spread
 * over the whole table, as in a busy workspace: no help from physical locality.
 *
 * Each "by cursor" line reads the same pages as the offset line before it (same random
 * positions), continuing from the message just before the page (`HistoryQuery.cursor`, keyset
 * paging) instead of skipping `offset` rows. The cursors are looked up beforehand (byCursor).
 */
import { newId } from '../src/ids.ts';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/index.ts';
import type { HistoryQuery } from '../src/store/store.ts';

const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runs = Number(process.env.BENCH_RUNS ?? 1000);
const keep = process.env.BENCH_KEEP === '1';
const schema = 'fleetchat_bench_history';
const sizes = { sessions: 100, perSession: 10_000, users: 20, agents: 4 };
const totalMessages = sizes.sessions * sizes.perSession;

interface Fixture {
  workspaceId: string;
  memberId: string;
  sessionId: string;
}

async function fill(store: PostgresStore): Promise<Fixture> {
  const now = new Date('2030-01-01T00:00:00Z');
  const workspace = await store.createWorkspace({ id: newId(), name: 'bench', now });
  const users = [];
  for (let index = 0; index < sizes.users; index += 1) {
    users.push(await store.createUser({ id: newId(), workspaceId: workspace.id, email: `member-${index}@bench.test`, passwordHash: 'h', role: 'member', now }));
  }
  const agents = [];
  for (let index = 0; index < sizes.agents; index += 1) {
    agents.push(
      await store.createAgent({
        id: newId(), workspaceId: workspace.id, name: `Agent ${index}`, role: 'r', description: 'd', soul: 's', status: 'online', source: 'api', now,
        config: { model: { default: 'mock/echo', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 16000 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } },
      }),
    );
  }
  const sessions = [];
  for (let index = 0; index < sizes.sessions; index += 1) {
    const user = users[index % sizes.users];
    const agent = agents[index % sizes.agents];
    sessions.push(await store.createSession({ id: newId(), workspaceId: workspace.id, userId: user.id, agentId: agent.id, title: `session ${index}`, now }));
  }
  // Batches of 100 000 rows, in one statement each, built by generate_series server side.
  // Ids are UUIDv7-shaped from the row's millisecond, so (created_at, id) is insertion order.
  const batch = 100_000;
  const started = Date.now();
  for (let first = 0; first < totalMessages; first += batch) {
    await store.database.query({
      text: `INSERT INTO messages (id, session_id, workspace_id, user_id, agent_id, role, content, status,
                                   input_tokens, output_tokens, model, duration_ms, routed_by, created_at)
             SELECT (lpad(to_hex($3::bigint + i), 12, '0') || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15))::uuid,
                    s.id, s.workspace_id, s.user_id, s.agent_id,
                    CASE WHEN (i / $4) % 2 = 0 THEN 'user' ELSE 'assistant' END,
                    'message ' || i || ' ' || repeat('lorem ipsum ', 8), 'complete',
                    CASE WHEN (i / $4) % 2 = 1 THEN 1200 END, CASE WHEN (i / $4) % 2 = 1 THEN 300 END,
                    CASE WHEN (i / $4) % 2 = 1 THEN 'mock/echo' END, CASE WHEN (i / $4) % 2 = 1 THEN 900 END,
                    CASE WHEN (i / $4) % 2 = 1 THEN 'explicit' END,
                    to_timestamp(($3::bigint + i) / 1000.0)
             FROM generate_series($1::bigint, $2::bigint) AS i
             JOIN unnest($5::uuid[]) WITH ORDINALITY AS list (id, n) ON list.n = i % $4 + 1
             JOIN sessions s ON s.id = list.id`,
      values: [first, Math.min(first + batch, totalMessages) - 1, now.getTime(), sizes.sessions, sessions.map((session) => session.id)],
    });
    process.stdout.write(`\rfilled ${Math.min(first + batch, totalMessages).toLocaleString('en')} messages (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  process.stdout.write('\n');
  // Rows written behind insertMessage's back: set the counter it would have kept.
  await store.database.query({ text: 'UPDATE sessions s SET message_count = (SELECT count(*) FROM messages m WHERE m.session_id = s.id)' });
  // What autovacuum does on a live database: statistics for the planner, and the visibility
  // map that lets counts and deep offsets be answered from the indexes alone.
  await store.database.query({ text: 'VACUUM ANALYZE messages' });
  await store.database.query({ text: 'ANALYZE' });
  return { workspaceId: workspace.id, memberId: sessions[0].userId, sessionId: sessions[0].id };
}

async function existingFixture(store: PostgresStore): Promise<Fixture | undefined> {
  const result = await store.database
    .query<{ workspace_id: string; user_id: string; id: string; count: string }>({
      text: `SELECT s.workspace_id, s.user_id, s.id, (SELECT count(*) FROM messages) AS count
             FROM sessions s ORDER BY s.created_at, s.id LIMIT 1`,
    })
    .catch(() => undefined);
  const row = result?.rows[0];
  if (!row || Number(row.count) !== totalMessages) return undefined;
  return { workspaceId: row.workspace_id, memberId: row.user_id, sessionId: row.id };
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)];
}

/** A query, and how many messages precede its page in its order (its offset, or the cursor's position + 1). */
interface Case {
  query: HistoryQuery;
  position: number;
}

const byOffset = (query: HistoryQuery): Case => ({ query, position: query.offset });

/**
 * The same pages as these offset queries (all of one filter, over `size` messages), each placed
 * by the cursor just before it (offset ≥ 1). The cursors are looked up beforehand, all at once
 * by row number on the server (the client keeps only the sampled ids, not a million).
 */
async function byCursor(store: PostgresStore, queries: HistoryQuery[], filter: { condition: string; values: unknown[] }, size: number): Promise<Case[]> {
  // Row n (1-based, ascending) is the cursor of a page after n messages (asc), or after size - n + 1 (desc).
  const rowOf = (query: HistoryQuery) => (query.order === 'asc' ? Math.max(1, query.offset) : size - Math.max(1, query.offset) + 1);
  const wanted = queries.map(rowOf);
  const result = await store.database.query<{ n: string; id: string }>({
    text: `SELECT n, id FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM messages m WHERE ${filter.condition}) AS numbered
           WHERE n = ANY($${filter.values.length + 1}::bigint[])`,
    values: [...filter.values, wanted],
  });
  const idOf = new Map(result.rows.map((row) => [Number(row.n), row.id]));
  return queries.map((query) => ({ query: { ...query, offset: 0, cursor: idOf.get(rowOf(query)) }, position: Math.max(1, query.offset) }));
}

/** The cases one after the other, as `measure` asks for them (warm-up included). */
function cycle(cases: Case[]): () => Case {
  let next = 0;
  return () => cases[next++ % cases.length];
}

async function measure(store: PostgresStore, label: string, makeCase: () => Case, times = runs): Promise<void> {
  for (let warm = 0; warm < 50; warm += 1) await store.history(makeCase().query);
  const durations: number[] = [];
  let total = 0;
  for (let run = 0; run < times; run += 1) {
    const { query, position } = makeCase();
    const started = process.hrtime.bigint();
    const page = await store.history(query);
    durations.push(Number(process.hrtime.bigint() - started) / 1e6);
    total = page.total;
    if (page.data.length !== Math.min(query.limit, Math.max(0, page.total - position))) throw new Error(`${label}: short page`);
  }
  durations.sort((left, right) => left - right);
  const format = (value: number) => `${value.toFixed(2).padStart(7)} ms`;
  console.log(
    `${label.padEnd(50)} total ${String(total).padStart(7)}  p50 ${format(percentile(durations, 0.5))}  p99 ${format(percentile(durations, 0.99))}  max ${format(durations[durations.length - 1])}`,
  );
}

function randomOffset(total: number, limit: number): number {
  return Math.floor(Math.random() * Math.max(1, total - limit + 1));
}

async function main(): Promise<void> {
  const store = createPostgresStore({ connectionString: databaseUrl, schema });
  try {
    let fixture = keep ? await existingFixture(store) : undefined;
    if (!fixture) {
      await store.database.query({ text: `DROP SCHEMA IF EXISTS ${schema} CASCADE` });
      await store.migrate();
      fixture = await fill(store);
    }
    const { workspaceId, memberId, sessionId } = fixture;
    const memberTotal = (await store.history({ workspaceId, userId: memberId, viewerId: memberId, limit: 1, offset: 0, order: 'desc' })).total;
    console.log(`${totalMessages.toLocaleString('en')} messages; one session: ${sizes.perSession.toLocaleString('en')}; one member: ${memberTotal.toLocaleString('en')}; ${runs} runs per line, random offsets\n`);
    const filters = {
      session: { condition: 'm.session_id = $1', values: [sessionId] },
      member: { condition: 'm.workspace_id = $1 AND m.user_id = $2', values: [workspaceId, memberId] },
      workspace: { condition: 'm.workspace_id = $1', values: [workspaceId] },
    };
    const sample = (count: number, make: () => HistoryQuery) => Array.from({ length: count }, make);

    // A cursor page is the offset page it stands for (checked on a few, outside the timings).
    const checks = sample(20, () => ({ workspaceId, userId: memberId, viewerId: memberId, limit: 50, order: Math.random() < 0.5 ? 'asc' : 'desc', offset: 1 + randomOffset(memberTotal - 1, 50) }));
    for (const [index, cursorCase] of (await byCursor(store, checks, filters.member, memberTotal)).entries()) {
      const [offsetPage, cursorPage] = [await store.history(checks[index]), await store.history(cursorCase.query)];
      if (JSON.stringify(offsetPage.data) !== JSON.stringify(cursorPage.data) || offsetPage.hasMore !== cursorPage.hasMore) throw new Error(`cursor page differs at offset ${checks[index].offset}`);
    }

    for (const limit of [50, 200]) {
      for (const order of ['desc', 'asc'] as const) {
        const page = (): HistoryQuery => ({ workspaceId, userId: memberId, sessionId, viewerId: memberId, limit, order, offset: randomOffset(sizes.perSession, limit) });
        await measure(store, `session, limit ${limit}, ${order}`, () => byOffset(page()));
        await measure(store, `  same pages by cursor`, cycle(await byCursor(store, sample(runs + 50, page), filters.session, sizes.perSession)));
      }
    }
    for (const limit of [50, 200]) {
      for (const order of ['desc', 'asc'] as const) {
        const page = (): HistoryQuery => ({ workspaceId, userId: memberId, viewerId: memberId, limit, order, offset: randomOffset(memberTotal, limit) });
        await measure(store, `member, unfiltered, limit ${limit}, ${order}`, () => byOffset(page()));
        await measure(store, `  same pages by cursor`, cycle(await byCursor(store, sample(runs + 50, page), filters.member, memberTotal)));
      }
    }
    // Not a target, for scale: an admin's whole-workspace view. Its offset statement (an
    // OFFSET anywhere in 1 M rows) is estimated costly enough for PostgreSQL to JIT-compile it
    // on every run (jit_above_cost), which is most of its time; the keyset one is not.
    await measure(store, 'admin, whole workspace, limit 50, first page', () => byOffset({ workspaceId, viewerId: memberId, limit: 50, order: 'desc', offset: 0 }));
    const adminRuns = Math.min(runs, 200);
    const adminPage = (): HistoryQuery => ({ workspaceId, viewerId: memberId, limit: 50, order: Math.random() < 0.5 ? 'asc' : 'desc', offset: randomOffset(totalMessages, 50) });
    await measure(store, 'admin, whole workspace, limit 50, random offset', () => byOffset(adminPage()), adminRuns);
    await measure(store, '  same pages by cursor', cycle(await byCursor(store, sample(adminRuns + 50, adminPage), filters.workspace, totalMessages)), adminRuns);
  } finally {
    if (!keep) await store.database.query({ text: `DROP SCHEMA IF EXISTS ${schema} CASCADE` }).catch(() => undefined);
    await store.close();
  }
}

await main();
