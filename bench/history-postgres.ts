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

async function measure(store: PostgresStore, label: string, makeQuery: () => HistoryQuery): Promise<void> {
  for (let warm = 0; warm < 50; warm += 1) await store.history(makeQuery());
  const durations: number[] = [];
  let total = 0;
  for (let run = 0; run < runs; run += 1) {
    const query = makeQuery();
    const started = process.hrtime.bigint();
    const page = await store.history(query);
    durations.push(Number(process.hrtime.bigint() - started) / 1e6);
    total = page.total;
    if (page.data.length !== Math.min(query.limit, Math.max(0, page.total - query.offset))) throw new Error(`${label}: short page`);
  }
  durations.sort((left, right) => left - right);
  const format = (value: number) => `${value.toFixed(2).padStart(7)} ms`;
  console.log(
    `${label.padEnd(44)} total ${String(total).padStart(7)}  p50 ${format(percentile(durations, 0.5))}  p99 ${format(percentile(durations, 0.99))}  max ${format(durations[durations.length - 1])}`,
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

    for (const limit of [50, 200]) {
      for (const order of ['desc', 'asc'] as const) {
        await measure(store, `session, limit ${limit}, ${order}`, () => ({
          workspaceId, userId: memberId, sessionId, viewerId: memberId, limit, order, offset: randomOffset(sizes.perSession, limit),
        }));
      }
    }
    for (const limit of [50, 200]) {
      for (const order of ['desc', 'asc'] as const) {
        await measure(store, `member, unfiltered, limit ${limit}, ${order}`, () => ({
          workspaceId, userId: memberId, viewerId: memberId, limit, order, offset: randomOffset(memberTotal, limit),
        }));
      }
    }
    // Not a target, for scale: an admin's whole-workspace view counts all 1 M rows each time.
    await measure(store, 'admin, whole workspace, limit 50, first page', () => ({ workspaceId, viewerId: memberId, limit: 50, order: 'desc', offset: 0 }));
  } finally {
    if (!keep) await store.database.query({ text: `DROP SCHEMA IF EXISTS ${schema} CASCADE` }).catch(() => undefined);
    await store.close();
  }
}

await main();
