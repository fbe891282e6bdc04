/**
 * The SQLite schema as ordered, numbered migrations. A migration, once released, is never
 * edited: changes go in a new entry with the next number.
 *
 * Storage choices (PostgreSQL mirrors them with its own types):
 * - times are INTEGER UTC milliseconds, JSON is TEXT;
 * - emails are lower-cased by the store before they get here, and unique only among users that
 *   are not deleted (partial index), so a deleted user frees its address;
 * - agent names are unique per workspace with COLLATE NOCASE. NOCASE folds ASCII letters only
 *   ("Nova" = "NOVA", but "Élan" ≠ "élan"); PostgreSQL's lower() folds more, so names that
 *   differ only in non-ASCII case are a known, accepted difference between the backends;
 * - every history shape (session, workspace, workspace+agent, workspace+user,
 *   workspace+user+agent) has an index ending in (created_at, id), so a page is an index range
 *   walked in either direction and ties on created_at are broken by id without a sort;
 * - history totals: COUNT(*) over 10 000 index entries costs about a millisecond, over a
 *   member's 250 000 tens of milliseconds, during which the (synchronous) driver blocks the
 *   event loop. So each session keeps its message count (triggers) and a total is the sum of
 *   the counts of the sessions the filter selects. This relies on the domain rule that a
 *   message has its session's workspace, user and agent (history.ts relies on it too).
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        -- agents is created below; SQLite resolves foreign keys when rows are written.
        default_agent_id TEXT REFERENCES agents (id),
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX workspaces_by_name ON workspaces (name);

      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        email TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      );
      CREATE UNIQUE INDEX users_by_email ON users (email) WHERE deleted_at IS NULL;
      CREATE INDEX users_by_workspace ON users (workspace_id, created_at, id) WHERE deleted_at IS NULL;

      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL COLLATE NOCASE,
        role TEXT NOT NULL,
        description TEXT NOT NULL,
        soul TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('online', 'offline', 'archived')),
        config TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('file', 'api')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_active_at INTEGER
      );
      CREATE UNIQUE INDEX agents_by_name ON agents (workspace_id, name COLLATE NOCASE);
      CREATE INDEX agents_by_workspace ON agents (workspace_id, created_at, id);
      CREATE INDEX agents_by_status ON agents (workspace_id, status, created_at, id);

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        agent_id TEXT NOT NULL REFERENCES agents (id),
        title TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_message_at INTEGER NOT NULL,
        -- Kept by the triggers below; history totals sum it instead of counting messages.
        message_count INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX sessions_by_workspace ON sessions (workspace_id, last_message_at, id);
      CREATE INDEX sessions_by_user ON sessions (workspace_id, user_id, last_message_at, id);
      CREATE INDEX sessions_by_agent ON sessions (workspace_id, agent_id, last_message_at, id);
      -- Covering index for history totals of every filter shape.
      CREATE INDEX sessions_message_counts ON sessions (workspace_id, user_id, agent_id, message_count);

      -- user_id is the session owner's (denormalised) so that a member's history is one range.
      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        agent_id TEXT NOT NULL REFERENCES agents (id),
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('complete', 'incomplete', 'streaming')),
        input_tokens INTEGER,
        output_tokens INTEGER,
        model TEXT,
        duration_ms INTEGER,
        routed_by TEXT CHECK (routed_by IN ('explicit', 'session', 'relevance', 'recent', 'default')),
        created_at INTEGER NOT NULL
      );
      CREATE INDEX messages_by_session ON messages (session_id, created_at, id);
      CREATE INDEX messages_by_workspace ON messages (workspace_id, created_at, id);
      CREATE INDEX messages_by_agent ON messages (workspace_id, agent_id, created_at, id);
      CREATE INDEX messages_by_user ON messages (workspace_id, user_id, created_at, id);
      CREATE INDEX messages_by_user_agent ON messages (workspace_id, user_id, agent_id, created_at, id);
      -- Tiny: only answers being generated right now, for the start-up sweep.
      CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
      -- Triggers rather than code in insertMessage: every path that writes messages (imports,
      -- benchmarks, a future delete) keeps the counts exact.
      CREATE TRIGGER messages_counted AFTER INSERT ON messages BEGIN
        UPDATE sessions SET message_count = message_count + 1 WHERE id = NEW.session_id;
      END;
      CREATE TRIGGER messages_uncounted AFTER DELETE ON messages BEGIN
        UPDATE sessions SET message_count = message_count - 1 WHERE id = OLD.session_id;
      END;

      CREATE TABLE feedback (
        message_id TEXT NOT NULL REFERENCES messages (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (message_id, user_id)
      ) WITHOUT ROWID;

      -- No foreign key to users: a claim must not fail because of the order of deletions.
      CREATE TABLE idempotency_keys (
        user_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
        status_code INTEGER,
        response TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

      CREATE TABLE agent_usage (
        agent_id TEXT NOT NULL REFERENCES agents (id),
        day TEXT NOT NULL,
        model TEXT NOT NULL,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (agent_id, day, model)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'routing vectors',
    sql: `
      -- Keyed by a hash of the text: a text may be long, and only equality is ever asked. A rowid
      -- table: its 2 KiB rows would overflow the pages of a WITHOUT ROWID key, which every lookup
      -- then walks (npm run bench:routing:encoder -- --large read 8 252 vectors back in 202 ms
      -- from a WITHOUT ROWID table, 102 ms from this one with copy-free reads).
      CREATE TABLE routing_vectors (
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        vector BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (model, text_hash)
      );
    `,
  },
  {
    version: 3,
    name: 'session and message counts',
    sql: `
      -- The totals of the listings, per workspace, user and agent: a page's total adds up one row
      -- per user and agent instead of counting every session (bench/sessions-list.ts: 8–12 ms a
      -- page for 200 000 sessions in a workspace). Each session and each message row adds 1.
      CREATE TABLE session_counts (
        workspace_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        sessions INTEGER NOT NULL,
        messages INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, user_id, agent_id)
      ) WITHOUT ROWID;
      CREATE INDEX session_counts_by_agent ON session_counts (workspace_id, agent_id);
      -- sessions_message_counts now serves nothing, but each message still updates it. It stays
      -- until a later migration: the previous version's history count reads it by name, and
      -- migrations only add, so that a server of that version keeps working during an upgrade.
      INSERT INTO session_counts (workspace_id, user_id, agent_id, sessions, messages)
        SELECT workspace_id, user_id, agent_id, COUNT(*), SUM(message_count) FROM sessions GROUP BY workspace_id, user_id, agent_id;
      CREATE TRIGGER sessions_tallied AFTER INSERT ON sessions BEGIN
        INSERT INTO session_counts (workspace_id, user_id, agent_id, sessions, messages)
        VALUES (NEW.workspace_id, NEW.user_id, NEW.agent_id, 1, 0)
        ON CONFLICT (workspace_id, user_id, agent_id) DO UPDATE SET sessions = sessions + 1;
      END;
      -- A message carries its session's workspace, user and agent.
      CREATE TRIGGER messages_tallied AFTER INSERT ON messages BEGIN
        INSERT INTO session_counts (workspace_id, user_id, agent_id, sessions, messages)
        VALUES (NEW.workspace_id, NEW.user_id, NEW.agent_id, 0, 1)
        ON CONFLICT (workspace_id, user_id, agent_id) DO UPDATE SET messages = messages + 1;
      END;
      CREATE TRIGGER messages_untallied AFTER DELETE ON messages BEGIN
        UPDATE session_counts SET messages = messages - 1
        WHERE workspace_id = OLD.workspace_id AND user_id = OLD.user_id AND agent_id = OLD.agent_id;
      END;
    `,
  },
  {
    version: 4,
    name: 'drop the unused message-count index',
    sql: `
      -- Migration 3 moved the listings' totals to session_counts; since then no query reads this
      -- index, yet every message rewrote its entry (the trigger that counts a session's messages
      -- changes the indexed column). A per-session total still reads sessions.message_count, by id.
      DROP INDEX IF EXISTS sessions_message_counts;
    `,
  },
];

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, in one IMMEDIATE
 * transaction: a second process running it at the same time waits on the write lock (busy
 * timeout), then finds everything applied and does nothing.
 */
export function runMigrations(database: Database, now: () => number = Date.now): number[] {
  const apply = database.transaction(() => {
    database.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const applied = new Set(
      database.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
    );
    const record = database.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const appliedNow: number[] = [];
    for (const migration of [...migrations].sort((left, right) => left.version - right.version)) {
      if (applied.has(migration.version)) continue;
      database.exec(migration.sql);
      record.run(migration.version, migration.name, now());
      appliedNow.push(migration.version);
    }
    return appliedNow;
  });
  return apply.immediate();
}
