import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/ids.ts';
import { StoreUnavailableError } from '../../src/store/store.ts';
import { cursorSql, historyCountSql, historyPageSql, historyShapes, sessionOwnerSql } from '../../src/store/sqlite/history.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { sessionCountSql, sessionPageSql, sessionShapes } from '../../src/store/sqlite/sessions.ts';
import { edgeContents, expectRoundTripOrRefusal, runStoreConformance } from './conformance.ts';
import { expectCountsAfterMigration } from './conformance/counts-migration.ts';
import { addAgent, addMessage, addSession, addTenant, at } from './conformance/fixtures.ts';

const folder = mkdtempSync(join(tmpdir(), 'fleetchat-sqlite-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

runStoreConformance('sqlite :memory:', async () => createSqliteStore({ filename: ':memory:' }));
runStoreConformance('sqlite file', async () => createSqliteStore({ filename: join(folder, 'conformance', 'store.db') }));

describe('SQLite store specifics', () => {
  it('opens a file in WAL mode with the chosen durability, foreign keys and a busy timeout, creating its folder', async () => {
    const filename = join(folder, 'nested', 'deeper', 'pragmas.db');
    const store = createSqliteStore({ filename });
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(store.database.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.database.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    await store.close();
    const full = createSqliteStore({ filename, synchronous: 'FULL' });
    expect(full.database.pragma('synchronous', { simple: true })).toBe(2); // FULL
    await full.close();
  });

  it('keeps data across close and reopen, and records each migration once', async () => {
    const filename = join(folder, 'reopen.db');
    const first = createSqliteStore({ filename });
    await first.migrate();
    const { workspace, member, agent } = await addTenant(first);
    const session = await addSession(first, member, agent, at(0));
    const message = await addMessage(first, session, { content: 'survives', createdAt: at(1) });
    await first.close();

    const second = createSqliteStore({ filename });
    await second.migrate();
    expect(await second.getMessage(workspace.id, message.id)).toEqual(message);
    expect(await second.getSession(workspace.id, session.id)).toMatchObject({ lastMessageAt: at(1) });
    const versions = second.database.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions).toEqual([1, 2, 3, 4]);
    await second.close();
  });

  it('lets two connections migrate the same file at once', async () => {
    const filename = join(folder, 'concurrent.db');
    const stores = [createSqliteStore({ filename }), createSqliteStore({ filename })];
    await Promise.all(stores.map((store) => store.migrate()));
    expect(stores[1].database.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2, 3, 4]);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('walks an index range for every history shape: no scan, no sort', () => {
    const store = createSqliteStore({ filename: ':memory:' });
    store.database.exec('SELECT 1');
    return store.migrate().then(() => {
      const parameters = { sessionId: 's', workspaceId: 'w', userId: 'u', agentId: 'a', viewerId: 'v', limit: 50, offset: 0 };
      const planOf = (sql: string, extra: Record<string, unknown> = {}) =>
        (store.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...parameters, ...extra }) as { detail: string }[]).map((row) => row.detail);
      for (const shape of historyShapes) {
        for (const order of ['asc', 'desc'] as const) {
          const plan = planOf(historyPageSql(shape, order));
          expect(plan[0]).toMatch(/^SEARCH m USING INDEX messages_by_/);
          expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN/);
          // Keyset: the cursor bounds the same index range, (created_at, id) past the cursor's.
          const keyset = planOf(historyPageSql(shape, order, true), { cursorAt: 0, cursorId: 'c' });
          expect(keyset[0]).toMatch(new RegExp(`^SEARCH m USING INDEX messages_by_\\w+ \\(.*\\(created_at,id\\)${order === 'asc' ? '>' : '<'}\\(\\?,\\?\\)\\)$`));
          expect(keyset.join('\n')).not.toMatch(/TEMP B-TREE|SCAN/);
        }
        if (shape !== 'session') {
          // One row per user and agent, from the count table's key or its agent index.
          expect(planOf(historyCountSql(shape))).toEqual([expect.stringMatching(/^SEARCH session_counts USING (PRIMARY KEY|INDEX session_counts_by_agent) \(workspace_id=\?/)]);
        }
      }
      const ownerPlan = (store.database.prepare(`EXPLAIN QUERY PLAN ${sessionOwnerSql}`).all('s') as { detail: string }[]).map((row) => row.detail);
      expect(ownerPlan).toEqual([expect.stringMatching(/^SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 \(id=\?\)/)]);
      const cursorPlan = (store.database.prepare(`EXPLAIN QUERY PLAN ${cursorSql}`).all('c') as { detail: string }[]).map((row) => row.detail);
      expect(cursorPlan).toEqual([expect.stringMatching(/^SEARCH messages USING INDEX sqlite_autoindex_messages_1 \(id=\?\)/)]);
      return store.close();
    });
  });

  it('lists sessions from an index range for every filter shape, after a cursor too: no scan, no sort', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    const planOf = (sql: string, extra: Record<string, unknown> = {}) => {
      const parameters = { workspaceId: 'w', userId: 'u', agentId: 'a', limit: 50, offset: 0, ...extra };
      const names = Object.keys(parameters).filter((name) => sql.includes(`@${name}`));
      const used = Object.fromEntries(names.map((name) => [name, parameters[name as keyof typeof parameters]]));
      return (store.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(used) as { detail: string }[]).map((row) => row.detail);
    };
    for (const shape of sessionShapes) {
      const page = planOf(sessionPageSql(shape));
      expect(page, shape).toEqual([expect.stringMatching(/^SEARCH sessions USING INDEX sessions_by_\w+ \(workspace_id=\?/)]);
      const keyset = planOf(sessionPageSql(shape, true), { cursorAt: 0, cursorId: 'c' });
      expect(keyset, shape).toEqual([expect.stringMatching(/^SEARCH sessions USING INDEX sessions_by_\w+ \(workspace_id=\?.* AND \(last_message_at,id\)<\(\?,\?\)\)$/)]);
      expect(planOf(sessionCountSql(shape)), shape).toEqual([expect.stringMatching(/^SEARCH session_counts USING (PRIMARY KEY|INDEX session_counts_by_agent) \(workspace_id=\?/)]);
    }
    await store.close();
  });

  it('migration 3 counts the sessions and messages a database already holds, and the new ones', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    // The listings' statements are prepared now, while session_counts exists; SQLite prepares
    // them again by itself once the migration has made it anew.
    await store.listSessions({ workspaceId: newId(), limit: 1, offset: 0 });
    await store.history({ workspaceId: newId(), viewerId: newId(), limit: 1, offset: 0, order: 'asc' });
    const rollback = async () => {
      store.database.exec(`
        DROP TRIGGER sessions_tallied; DROP TRIGGER messages_tallied; DROP TRIGGER messages_untallied;
        DROP TABLE session_counts;
        DELETE FROM schema_migrations WHERE version = 3;`);
    };
    await expectCountsAfterMigration(store, rollback, () => store.migrate());
    await store.close();
  });

  it('migration 4 drops the index only the count before migration 3 read; a session\'s total is still its message count', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    const indexNamed = store.database.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = 'sessions_message_counts'").pluck();
    expect(indexNamed.get()).toBe(0);
    // A database left at version 3 still has the index.
    store.database.exec(`
      CREATE INDEX sessions_message_counts ON sessions (workspace_id, user_id, agent_id, message_count);
      DELETE FROM schema_migrations WHERE version = 4;`);
    const { workspace, admin, member, agent } = await addTenant(store);
    const session = await addSession(store, member, agent);
    for (let minute = 1; minute <= 3; minute += 1) await addMessage(store, session, { createdAt: at(minute) });
    await store.migrate();
    expect(indexNamed.get()).toBe(0);
    await addMessage(store, session, { createdAt: at(4) });
    const page = await store.history({ workspaceId: workspace.id, sessionId: session.id, viewerId: admin.id, limit: 1, offset: 0, order: 'asc' });
    expect(page.total).toBe(4);
    await store.close();
  });

  it('keeps history totals equal to a count of the messages, for every filter', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    const { workspace, admin, member, agent } = await addTenant(store);
    const otherAgent = await addAgent(store, workspace.id);
    const sessions = [await addSession(store, member, agent), await addSession(store, member, otherAgent), await addSession(store, admin, agent)];
    for (let index = 0; index < 60; index += 1) await addMessage(store, sessions[(index * 7) % 3], { createdAt: at(index) });
    const count = store.database.prepare('SELECT COUNT(*) FROM messages WHERE workspace_id = @workspaceId AND (@userId IS NULL OR user_id = @userId) AND (@agentId IS NULL OR agent_id = @agentId) AND (@sessionId IS NULL OR session_id = @sessionId)').pluck();
    for (const userId of [undefined, member.id, admin.id]) {
      for (const agentId of [undefined, agent.id, otherAgent.id]) {
        for (const sessionId of [undefined, ...sessions.map((session) => session.id)]) {
          const page = await store.history({ workspaceId: workspace.id, userId, agentId, sessionId, viewerId: admin.id, limit: 200, offset: 0, order: 'asc' });
          expect(page.total).toBe(page.data.length);
          expect(page.total).toBe(count.get({ workspaceId: workspace.id, userId: userId ?? null, agentId: agentId ?? null, sessionId: sessionId ?? null }));
        }
      }
    }
    await store.close();
  });

  it('prepares statements once: the hot path does not prepare again', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    const { workspace, member, agent } = await addTenant(store);
    const session = await addSession(store, member, agent, at(0));
    const read = () => store.history({ workspaceId: workspace.id, userId: member.id, sessionId: session.id, viewerId: member.id, limit: 10, offset: 0, order: 'desc' });
    await addMessage(store, session, { createdAt: at(1) });
    await read();
    const prepare = vi.spyOn(store.database, 'prepare');
    await addMessage(store, session, { createdAt: at(2) });
    await read();
    await store.getMessage(workspace.id, newId());
    expect(prepare).not.toHaveBeenCalled();
    await store.close();
  });

  it('keeps NUL bytes and refuses lone surrogates', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    expect(await expectRoundTripOrRefusal(store, edgeContents.nul)).toBe('stored');
    expect(await expectRoundTripOrRefusal(store, edgeContents.loneHighSurrogate)).toBe('refused');
    expect(await expectRoundTripOrRefusal(store, edgeContents.loneLowSurrogate)).toBe('refused');
    await store.close();
  });

  it('reports a closed database as unavailable', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    await store.close();
    expect(await store.ping()).toBe(false);
    await expect(store.getWorkspace(newId())).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close(); // idempotent
  });

  it('refuses rows that point at nothing (foreign keys are on)', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    const { workspace, member } = await addTenant(store);
    await expect(store.createSession({ id: newId(), workspaceId: workspace.id, userId: member.id, agentId: newId(), title: 't', now: at(0) })).rejects.toThrow();
    await store.close();
  });

  it('leaves a file that another connection can read', async () => {
    const filename = join(folder, 'readable.db');
    const store = createSqliteStore({ filename });
    await store.migrate();
    await addTenant(store);
    const reader = new BetterSqlite3(filename, { readonly: true });
    expect(reader.prepare('SELECT COUNT(*) FROM agents').pluck().get()).toBe(1);
    reader.close();
    await store.close();
  });
});

describe('SQLite group commit', () => {
  it('commits the writes of one turn together, rejecting only the one that failed', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    const { member, agent } = await addTenant(store);
    const session = await addSession(store, member, agent, at(0));
    const existing = await addMessage(store, session, { createdAt: at(1) });
    const fresh = { ...existing, id: newId(), content: 'kept', createdAt: at(2) };
    // Issued in the same turn of the event loop: one transaction, a savepoint each.
    const [duplicate, kept] = await Promise.allSettled([store.insertMessage({ ...existing, createdAt: at(3) }), store.insertMessage(fresh)]);
    expect(duplicate.status).toBe('rejected');
    expect(kept.status).toBe('fulfilled');
    const history = await store.recentSessionMessages(session.id, 10);
    expect(history.map((message) => message.content)).toEqual([existing.content, 'kept']);
    expect((await store.getSession(session.workspaceId, session.id))?.lastMessageAt).toEqual(at(2));
    await store.close();
  });

  it('keeps nothing of a composite write that failed part-way, and everything of the writes around it', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    await store.migrate();
    const { member, agent } = await addTenant(store);
    const session = await addSession(store, member, agent, at(0));
    const existing = await addMessage(store, session, { createdAt: at(1) });
    const owner = { workspaceId: session.workspaceId, userId: member.id, agentId: agent.id };
    const before = { ...existing, id: newId(), content: 'before', createdAt: at(2) };
    const after = { ...existing, id: newId(), content: 'after', createdAt: at(3) };
    const orphanId = newId();
    // The failing write creates a session, then collides on its message: the session must go too.
    const [first, failed, last] = await Promise.allSettled([
      store.insertMessage(before),
      store.beginTurn({ session: { id: orphanId, ...owner, title: 'orphan', now: at(4) }, message: { ...existing, sessionId: orphanId, createdAt: at(4) } }),
      store.insertMessage(after),
    ]);
    expect([first.status, failed.status, last.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.getSession(session.workspaceId, orphanId)).toBeUndefined();
    const history = await store.recentSessionMessages(session.id, 10);
    expect(history.map((message) => message.content)).toEqual([existing.content, 'before', 'after']);
    // The triggers' counters ran for the kept writes only.
    expect(store.database.prepare('SELECT message_count FROM sessions WHERE id = ?').pluck().get(session.id)).toBe(3);
    expect(store.database.prepare('SELECT SUM(sessions) || \' \' || SUM(messages) FROM session_counts').pluck().get()).toBe('1 3');
    await store.close();
  });
});
