/**
 * The PostgreSQL store: the shared conformance suite, then what only PostgreSQL has (query
 * plans, concurrent migrations, pool failure and recovery, bigint sums). Each run works in a
 * fresh schema, dropped at the end, so it can share a database with anything else.
 *
 * Runs when PostgreSQL answers at TEST_DATABASE_URL (default: the local test database);
 * otherwise the database-backed part is skipped with a warning saying why.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.ts';
import { historyStatement } from '../../src/store/postgres/history.ts';
import { sessionsAfterStatement } from '../../src/store/postgres/sessions.ts';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/index.ts';
import { StoreUnavailableError, type HistoryQuery, type SessionPosition, type SessionQuery } from '../../src/store/store.ts';
import { edgeContents, expectRoundTripOrRefusal, runStoreConformance } from './conformance.ts';
import { expectCountsAfterMigration } from './conformance/counts-migration.ts';

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runId = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
const schema = `fleetchat_test_${runId}`;

async function probe(connectionString: string): Promise<string | null> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await probe(databaseUrl);
if (unreachable !== null) {
  console.warn(
    `[postgres store tests] SKIPPED: PostgreSQL is not reachable at ${databaseUrl} (${unreachable}). ` +
      'Start it or set TEST_DATABASE_URL to run the PostgreSQL conformance and plan tests.',
  );
}
const describeWithDatabase = unreachable === null ? describe : describe.skip;

/** Schemas made by this run, dropped in afterAll. */
const schemas = new Set<string>();
const openStores = new Set<PostgresStore>();

async function openStore(schemaName = schema, poolSize?: number): Promise<PostgresStore> {
  schemas.add(schemaName);
  const store = createPostgresStore({ connectionString: databaseUrl, schema: schemaName, poolSize });
  openStores.add(store);
  await store.migrate();
  return store;
}

async function closeStore(store: PostgresStore): Promise<void> {
  openStores.delete(store);
  await store.close();
}

afterAll(async () => {
  await Promise.all([...openStores].map((store) => store.close()));
  if (unreachable !== null || schemas.size === 0) return;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  } finally {
    await admin.end();
  }
});

describeWithDatabase('postgres store', () => {
  runStoreConformance('postgres', () => openStore(), (store) => closeStore(store as PostgresStore));

  describe('postgres only', () => {
    it('applies migrations once when two instances migrate at the same time', async () => {
      const name = `${schema}_concurrent`;
      const stores = [createPostgresStore({ connectionString: databaseUrl, schema: name }), createPostgresStore({ connectionString: databaseUrl, schema: name })];
      schemas.add(name);
      stores.forEach((store) => openStores.add(store));
      await Promise.all(stores.map((store) => store.migrate()));
      await Promise.all(stores.map((store) => store.migrate()));
      const applied = await stores[0].database.query<{ version: number }>({ text: 'SELECT version FROM schema_migrations ORDER BY version' });
      expect(applied.rows.map((row) => row.version)).toEqual([1, 2, 3]);
      expect(await stores[1].ping()).toBe(true);
      await Promise.all(stores.map(closeStore));
    });

    it('migration 3 counts the sessions and messages a database already holds, and the new ones', async () => {
      const store = await openStore(`${schema}_counts`);
      const rollback = async () => {
        await store.database.query({
          text: `DROP TRIGGER sessions_tallied ON sessions; DROP TRIGGER messages_tallied ON messages;
                 DROP FUNCTION tally(); DROP TABLE session_counts;
                 DELETE FROM schema_migrations WHERE version = 3`,
        });
      };
      await expectCountsAfterMigration(store, rollback, () => store.migrate());
      await closeStore(store);
    });

    it('runs its connections without JIT (it cost ~150 ms of compilation per large history page)', async () => {
      const store = await openStore();
      const { rows } = await store.database.query<{ jit: string }>({ text: 'SHOW jit' });
      expect(rows[0].jit).toBe('off');
      await closeStore(store);
    });

    it('returns counts and bigint sums as numbers', async () => {
      const store = await openStore();
      const workspace = await store.createWorkspace({ id: newId(), name: `sums-${newId()}`, now: new Date() });
      const agent = await store.createAgent({
        id: newId(),
        workspaceId: workspace.id,
        name: 'Summer',
        role: 'r',
        description: 'd',
        soul: 's',
        status: 'online',
        config: { model: { default: 'm/a', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 1000 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } },
        source: 'api',
        now: new Date(),
      });
      // Two rows of 2^31 - 1 each: the sum no longer fits an integer column, only a bigint.
      const big = 2 ** 31 - 1;
      for (const model of ['m/a', 'm/b']) {
        await store.addUsage({ workspaceId: workspace.id, agentId: agent.id, model, day: '2030-02-03', inputTokens: big, outputTokens: 7, errors: 1, at: new Date() });
      }
      await store.addUsage({ workspaceId: workspace.id, agentId: agent.id, model: 'm/a', day: '2030-02-01', inputTokens: 5, outputTokens: 5, errors: 0, at: new Date() });
      expect(await store.agentUsage(agent.id, '2030-02-03')).toEqual({ todayInput: 2 * big, todayOutput: 14, monthInput: 2 * big + 5, monthOutput: 19 });
      const today = await store.agentsUsageToday([agent.id], '2030-02-03');
      expect(today.get(agent.id)).toEqual({ input: 2 * big, output: 14 });
      const stats = await store.agentStats({ workspaceId: workspace.id, agentId: agent.id, from: new Date('2030-02-01T00:00:00Z'), to: new Date('2030-03-01T00:00:00Z') });
      expect(stats.errors).toBe(2);
      expect(typeof stats.messages).toBe('number');
      expect(typeof (await store.countUsers())).toBe('number');
      await closeStore(store);
    });

    it('says which edge content it stores and which it refuses (the conformance rule)', async () => {
      const store = await openStore();
      // PostgreSQL text cannot hold NUL; lone surrogates have no UTF-8 form (the driver would
      // write U+FFFD): refused, as SQLite refuses the surrogates. Everything else round-trips.
      for (const name of ['nul', 'loneHighSurrogate', 'loneLowSurrogate'] as const) {
        expect(await expectRoundTripOrRefusal(store, edgeContents[name]), name).toBe('refused');
      }
      for (const name of ['emoji', 'long', 'controlCharacters', 'quotes'] as const) {
        expect(await expectRoundTripOrRefusal(store, edgeContents[name]), name).toBe('stored');
      }
      await closeStore(store);
    });

    it('refuses NUL and lone surrogates with a RangeError instead of failing or altering them', async () => {
      const store = await openStore();
      const workspace = await store.createWorkspace({ id: newId(), name: `edge-${newId()}`, now: new Date() });
      await expect(store.createWorkspace({ id: newId(), name: 'nul\u0000name', now: new Date() })).rejects.toBeInstanceOf(RangeError);
      await expect(store.getWorkspaceByName('lone \uD800 surrogate')).rejects.toBeInstanceOf(RangeError);
      await expect(
        store.createAgent({
          id: newId(), workspaceId: workspace.id, name: 'Edgy', role: 'r', description: 'd', soul: 's', status: 'online', source: 'api', now: new Date(),
          config: { model: { default: 'm\u0000', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 1 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } },
        }),
      ).rejects.toBeInstanceOf(RangeError);
      await closeStore(store);
    });

    it('fails fast with StoreUnavailableError when the server is not there', async () => {
      const store = createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
      const started = Date.now();
      await expect(store.getUser(newId())).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.migrate()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await store.ping()).toBe(false);
      expect(Date.now() - started).toBeLessThan(3000);
      await store.close();
    });

    it('survives its connections being killed and recovers by itself', async () => {
      const poolErrors: Error[] = [];
      const store = createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 2, onPoolError: (error) => poolErrors.push(error) });
      openStores.add(store);
      await store.migrate();
      // Two concurrent queries open both connections of the pool; they then sit idle.
      const pids = await Promise.all(
        [0, 1].map(async () => (await store.database.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid, pg_sleep(0.05)' })).rows[0].pid),
      );
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      await admin.end();
      // The idle clients hear 57P01 (admin shutdown): reported to onPoolError, not thrown.
      expect(new Set(pids).size).toBe(2);
      await expect.poll(() => poolErrors.length, { timeout: 2000 }).toBe(2);
      expect(await store.ping()).toBe(true);
      expect(await store.getUser(newId())).toBeUndefined();
      await closeStore(store);
    });

    describe('history query plans', () => {
      const count = { sessions: 10, perSession: 1000 };
      const ids = { workspace: newId(), user: newId(), otherUser: newId(), agent: newId(), otherAgent: newId(), session: '' };
      let store: PostgresStore;

      /** A session of another tenant to hang the other tenants' messages on (foreign key). */
      async function noiseSession(now: Date): Promise<string> {
        const workspace = await store.createWorkspace({ id: newId(), name: `noise-${newId()}`, now });
        const user = await store.createUser({ id: newId(), workspaceId: workspace.id, email: `${newId()}@noise.test`, passwordHash: 'h', role: 'member', now });
        const agent = await store.createAgent({
          id: newId(), workspaceId: workspace.id, name: 'Noise', role: 'r', description: 'd', soul: 's', status: 'online', source: 'api', now,
          config: { model: { default: 'm/a', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 1 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } },
        });
        const session = await store.createSession({ id: newId(), workspaceId: workspace.id, userId: user.id, agentId: agent.id, title: 'noise', now });
        return session.id;
      }

      async function fill(): Promise<void> {
        store = await openStore();
        const now = new Date('2030-06-01T00:00:00Z');
        await store.createWorkspace({ id: ids.workspace, name: `plans-${ids.workspace}`, now });
        for (const userId of [ids.user, ids.otherUser]) {
          await store.createUser({ id: userId, workspaceId: ids.workspace, email: `${userId}@plans.test`, passwordHash: 'h', role: 'member', now });
        }
        for (const [agentId, name] of [[ids.agent, 'Plan A'], [ids.otherAgent, 'Plan B']]) {
          await store.createAgent({
            id: agentId, workspaceId: ids.workspace, name, role: 'r', description: 'd', soul: 's', status: 'online', source: 'api', now,
            config: { model: { default: 'm/a', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 1 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } },
          });
        }
        // Sessions alternate users and agents, so no filter selects everything.
        const sessionIds = Array.from({ length: count.sessions }, () => newId());
        // The second session (ordinality 2) is the member's: see the CASEs below.
        ids.session = sessionIds[1];
        await store.database.query({
          text: `INSERT INTO sessions (id, workspace_id, user_id, agent_id, title, created_at, last_message_at)
                 SELECT s.id, $1, CASE WHEN s.n % 2 = 0 THEN $2::uuid ELSE $3::uuid END,
                        CASE WHEN s.n % 3 = 0 THEN $4::uuid ELSE $5::uuid END, 'plan', $6, $6
                 FROM unnest($7::uuid[]) WITH ORDINALITY AS s (id, n)`,
          values: [ids.workspace, ids.user, ids.otherUser, ids.agent, ids.otherAgent, now, sessionIds],
        });
        await store.database.query({
          text: `INSERT INTO messages (id, session_id, workspace_id, user_id, agent_id, role, content, status, created_at)
                 SELECT gen_random_uuid(), s.id, s.workspace_id, s.user_id, s.agent_id,
                        CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END, 'message ' || i, 'complete',
                        $2::timestamptz + i * interval '1 second'
                 FROM sessions s CROSS JOIN generate_series(1, $3) AS i WHERE s.workspace_id = $1`,
          values: [ids.workspace, now, count.perSession],
        });
        // Other tenants, five times as many messages: the planner sees a shared database, where
        // one workspace is a small part of the table, as it is in production. (Were the tested
        // workspace the whole table, a Seq Scan would rightly be the cheapest way to count it.)
        await store.database.query({
          text: `INSERT INTO messages (id, session_id, workspace_id, user_id, agent_id, role, content, status, created_at)
                 SELECT gen_random_uuid(), $1::uuid, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'user', 'other tenant', 'complete',
                        $2::timestamptz + i * interval '1 second'
                 FROM generate_series(1, $3) AS i`,
          values: [await noiseSession(now), now, 5 * count.sessions * count.perSession],
        });
        // Rows written behind insertMessage's back: set the counter it would have kept.
        await store.database.query({
          text: 'UPDATE sessions s SET message_count = (SELECT count(*) FROM messages m WHERE m.session_id = s.id) WHERE s.workspace_id = $1',
          values: [ids.workspace],
        });
        // Index-only scans need the visibility map, which VACUUM sets; ANALYZE gives the
        // planner the real sizes. Both are what autovacuum does on a live database.
        await store.database.query({ text: 'VACUUM ANALYZE messages' });
        await store.database.query({ text: 'ANALYZE' });
      }

      const shapes: Record<string, () => Partial<HistoryQuery>> = {
        session: () => ({ sessionId: ids.session }),
        'member, session': () => ({ userId: ids.user, sessionId: ids.session }),
        member: () => ({ userId: ids.user }),
        agent: () => ({ agentId: ids.agent }),
        'member, agent': () => ({ userId: ids.user, agentId: ids.agent }),
        workspace: () => ({}),
      };

      it.each(Object.keys(shapes).flatMap((shape) => [[shape, 'desc'], [shape, 'asc']] as const))(
        '%s history (%s): pages from an index in order, no Seq Scan on messages, no Sort under the LIMIT',
        async (shape, order) => {
          if (!store) await fill();
          const query: HistoryQuery = { workspaceId: ids.workspace, viewerId: ids.user, limit: 50, offset: 100, order, ...shapes[shape]() };
          const statement = historyStatement(query);
          // The plan the server would use for these values (a custom plan)...
          const custom = await store.database.query<{ 'QUERY PLAN': PlanRoot[] }>({ text: `EXPLAIN (FORMAT JSON) ${statement.text}`, values: statement.values });
          checkPlan(custom.rows[0]['QUERY PLAN'][0].Plan, shape);
          // ...and the generic plan that a named statement switches to after five runs.
          const generic = await explainGeneric(store, statement.text, statement.values ?? []);
          checkPlan(generic, shape);
          const page = await store.history(query);
          expect(page.data).toHaveLength(50);
          // A deep page, read from the other end, is the same rows as the walk from this end.
          const deep = { ...query, offset: page.total - 60 };
          const reversed = await store.history({ ...deep, order: order === 'asc' ? 'desc' : 'asc', offset: 10 });
          expect((await store.history(deep)).data.map((item) => item.id)).toEqual(reversed.data.map((item) => item.id).reverse());
        },
      );

      it.each(Object.keys(shapes).flatMap((shape) => [[shape, 'desc'], [shape, 'asc']] as const))(
        '%s history (%s) after a cursor: an index range from the cursor on, under one Limit, no Sort, no Seq Scan',
        async (shape, order) => {
          if (!store) await fill();
          const first: HistoryQuery = { workspaceId: ids.workspace, viewerId: ids.user, limit: 50, offset: 0, order, ...shapes[shape]() };
          const total = (await store.history(first)).total;
          // A cursor deep in the range: the offset page just before it, then the keyset page.
          const before = await store.history({ ...first, offset: total - 120 });
          const query: HistoryQuery = { ...first, cursor: before.data.at(-1)?.id };
          const statement = historyStatement(query);
          const custom = await store.database.query<{ 'QUERY PLAN': PlanRoot[] }>({ text: `EXPLAIN (FORMAT JSON) ${statement.text}`, values: statement.values });
          checkKeysetPlan(custom.rows[0]['QUERY PLAN'][0].Plan, shape);
          checkKeysetPlan(await explainGeneric(store, statement.text, statement.values ?? []), shape);
          const page = await store.history(query);
          expect(page.data.map((item) => item.id)).toEqual((await store.history({ ...first, offset: total - 70 })).data.map((item) => item.id));
          expect(page).toMatchObject({ total, hasMore: true });
        },
      );
    });

    describe('session list plans', () => {
      const ids = { workspace: newId(), user: newId(), otherUser: newId(), agent: newId(), otherAgent: newId() };
      const now = new Date('2030-06-01T00:00:00Z');
      let store: PostgresStore;

      async function fill(): Promise<void> {
        store = await openStore();
        const config = { model: { default: 'm/a', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 1 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } };
        // The tested workspace (2 000 sessions, users and agents alternating, seven to a second)
        // next to another tenant with ten times as many, as in a shared database.
        const noise = { workspace: newId(), user: newId(), agent: newId() };
        for (const [workspace, users, agents] of [[ids.workspace, [ids.user, ids.otherUser], [ids.agent, ids.otherAgent]], [noise.workspace, [noise.user], [noise.agent]]] as const) {
          await store.createWorkspace({ id: workspace, name: `session-plans-${workspace}`, now });
          for (const id of users) await store.createUser({ id, workspaceId: workspace, email: `${id}@plans.test`, passwordHash: 'h', role: 'member', now });
          for (const id of agents) await store.createAgent({ id, workspaceId: workspace, name: `Plan ${id}`, role: 'r', description: 'd', soul: 's', status: 'online', source: 'api', now, config });
        }
        const insert = `INSERT INTO sessions (id, workspace_id, user_id, agent_id, title, created_at, last_message_at)
          SELECT gen_random_uuid(), $1, CASE WHEN i % 2 = 0 THEN $2::uuid ELSE $3::uuid END, CASE WHEN i % 3 = 0 THEN $4::uuid ELSE $5::uuid END,
                 'plan', $6, $6::timestamptz + (i / 7) * interval '1 second'
          FROM generate_series(1, $7) AS i`;
        await store.database.query({ text: insert, values: [ids.workspace, ids.user, ids.otherUser, ids.agent, ids.otherAgent, now, 2000] });
        await store.database.query({ text: insert, values: [noise.workspace, noise.user, noise.user, noise.agent, noise.agent, now, 20_000] });
        await store.database.query({ text: 'VACUUM ANALYZE sessions' });
      }

      const shapes: Record<string, Partial<SessionQuery>> = {
        workspace: {},
        member: { userId: ids.user },
        agent: { agentId: ids.agent },
        'member, agent': { userId: ids.user, agentId: ids.agent },
      };

      it.each(Object.keys(shapes))('%s sessions after a cursor: an index range from the cursor on, under one Limit, no Sort, no Seq Scan', async (shape) => {
        if (!store) await fill();
        const first: SessionQuery = { workspaceId: ids.workspace, limit: 50, offset: 0, ...shapes[shape] };
        const { total } = await store.listSessions(first);
        // A cursor deep in the listing: the last session of the offset page just before it.
        const before = await store.listSessions({ ...first, offset: total - 120 });
        const last = before.data[before.data.length - 1];
        const query: SessionQuery = { ...first, cursor: { lastMessageAt: last.lastMessageAt, id: last.id } };
        const statement = sessionsAfterStatement(query, query.cursor as SessionPosition);
        const custom = await store.database.query<{ 'QUERY PLAN': PlanRoot[] }>({ text: `EXPLAIN (FORMAT JSON) ${statement.text}`, values: statement.values });
        checkSessionsKeysetPlan(custom.rows[0]['QUERY PLAN'][0].Plan, shape);
        checkSessionsKeysetPlan(await explainGeneric(store, statement.text, statement.values ?? []), shape);
        const page = await store.listSessions(query);
        expect(page.data.map((session) => session.id)).toEqual((await store.listSessions({ ...first, offset: total - 70 })).data.map((session) => session.id));
        expect(page).toMatchObject({ total, hasMore: true });
      });
    });
  });
});

/** Store-independent: needs no server, so it runs even when PostgreSQL is away. */
describe('postgres store without a server', () => {
  it('answers StoreUnavailableError within 3 s on a closed port', async () => {
    const store = createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    const started = Date.now();
    await expect(store.listActiveAgents(newId())).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(3000);
    await store.close();
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}
interface PlanRoot {
  Plan: PlanNode;
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The page must come off an index already in (created_at, id) order: a Sort under the Limit
 * would mean reading and sorting every matching row to return 50. The Sort at the top of the
 * plan is allowed on purpose: it re-orders the 50 rows of the page after the deferred join
 * (history.ts), whatever the join did to their order.
 */
function checkPlan(plan: PlanNode, shape: string): void {
  const all = nodesOf(plan);
  const seqScans = all.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'messages');
  expect(seqScans, `${shape}: Seq Scan on messages`).toEqual([]);
  // Two Limits: the page read from the requested end and from the other one (history.ts).
  const limits = all.filter((node) => node['Node Type'] === 'Limit');
  expect(limits.length, `${shape}: a Limit for each end of the range`).toBe(2);
  for (const limit of limits) {
    const underLimit = nodesOf(limit);
    expect(underLimit.filter((node) => node['Node Type'].includes('Sort')).map((node) => node['Node Type']), `${shape}: Sort under the Limit`).toEqual([]);
    const pageScan = underLimit.find((node) => node['Relation Name'] === 'messages');
    expect(pageScan?.['Node Type'], `${shape}: how the page is read`).toMatch(/^Index (Only )?Scan( Backward)?$/);
    expect(pageScan?.['Index Name'], `${shape}: index of the page`).toMatch(/^messages_\w+_order$/);
  }
}

/**
 * A keyset page: one Limit (limit + 1 rows), over an index scan of messages_*_order whose
 * Index Cond bounds (created_at, id) by the cursor's: no offset walk, no Sort, no Seq Scan.
 */
function checkKeysetPlan(plan: PlanNode, shape: string): void {
  const all = nodesOf(plan);
  const seqScans = all.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'messages');
  expect(seqScans, `${shape}: Seq Scan on messages`).toEqual([]);
  const limits = all.filter((node) => node['Node Type'] === 'Limit');
  expect(limits.length, `${shape}: one Limit`).toBe(1);
  const underLimit = nodesOf(limits[0]);
  expect(underLimit.filter((node) => node['Node Type'].includes('Sort')).map((node) => node['Node Type']), `${shape}: Sort under the Limit`).toEqual([]);
  const pageScan = underLimit.find((node) => node['Relation Name'] === 'messages' && /_order$/.test(node['Index Name'] ?? ''));
  expect(pageScan?.['Node Type'], `${shape}: how the page is read`).toMatch(/^Index (Only )?Scan( Backward)?$/);
  expect(pageScan?.['Index Cond'], `${shape}: the cursor bounds the index range`).toMatch(/ROW\(created_at, id\) [<>] ROW\(/);
}

/**
 * A keyset page of sessions: one Limit (limit + 1 rows) over an index scan of sessions_*_recent
 * whose Index Cond bounds (last_message_at, id) by the cursor's. The Sort at the top re-orders
 * the page's rows after the join with the total; none may sit under the Limit.
 */
function checkSessionsKeysetPlan(plan: PlanNode, shape: string): void {
  const limits = nodesOf(plan).filter((node) => node['Node Type'] === 'Limit');
  expect(limits.length, `${shape}: one Limit`).toBe(1);
  const underLimit = nodesOf(limits[0]);
  expect(underLimit.map((node) => node['Node Type']).filter((type) => type.includes('Sort') || type === 'Seq Scan'), `${shape}: Sort or Seq Scan under the Limit`).toEqual([]);
  const pageScan = underLimit.find((node) => node['Relation Name'] === 'sessions');
  expect(pageScan?.['Node Type'], `${shape}: how the page is read`).toMatch(/^Index (Only )?Scan( Backward)?$/);
  expect(pageScan?.['Index Name'], `${shape}: index of the page`).toMatch(/^sessions_\w+_recent$/);
  expect(pageScan?.['Index Cond'], `${shape}: the cursor bounds the index range`).toMatch(/ROW\(last_message_at, id\) < ROW\(/);
}

/** EXPLAIN of the generic plan: PREPARE, force it, EXECUTE with the values as literals. */
async function explainGeneric(store: PostgresStore, text: string, values: unknown[]): Promise<PlanNode> {
  const client = await store.database.pool.connect();
  try {
    await client.query(`PREPARE plan_check AS ${text}`);
    await client.query('SET plan_cache_mode = force_generic_plan');
    const literals = values.map((value) => (typeof value === 'number' ? String(value) : client.escapeLiteral(value instanceof Date ? value.toISOString() : String(value))));
    const result = await client.query<{ 'QUERY PLAN': PlanRoot[] }>(`EXPLAIN (FORMAT JSON) EXECUTE plan_check (${literals.join(', ')})`);
    return result.rows[0]['QUERY PLAN'][0].Plan;
  } finally {
    await client.query('DEALLOCATE plan_check').catch(() => undefined);
    await client.query('RESET plan_cache_mode').catch(() => undefined);
    client.release();
  }
}
