import type { Database } from './connection.ts';

/**
 * Numbered, append-only migrations. A deployed migration is never edited: a change of schema
 * is a new entry, so every instance converges on the same schema whatever its starting point.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        -- No foreign key: agents reference workspaces, and the default agent may be archived.
        default_agent_id uuid,
        created_at timestamptz NOT NULL
      );

      CREATE TABLE users (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        email text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'member')),
        created_at timestamptz NOT NULL,
        deleted_at timestamptz
      );
      -- A deleted user frees its email for a new account.
      CREATE UNIQUE INDEX users_email_active ON users (email) WHERE deleted_at IS NULL;
      CREATE INDEX users_workspace_order ON users (workspace_id, created_at, id);

      CREATE TABLE agents (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        name text NOT NULL,
        role text NOT NULL,
        description text NOT NULL,
        soul text NOT NULL,
        status text NOT NULL CHECK (status IN ('online', 'offline', 'archived')),
        config jsonb NOT NULL,
        source text NOT NULL CHECK (source IN ('file', 'api')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        last_active_at timestamptz
      );
      CREATE UNIQUE INDEX agents_workspace_name ON agents (workspace_id, lower(name));
      CREATE INDEX agents_workspace_order ON agents (workspace_id, created_at, id);

      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        user_id uuid NOT NULL REFERENCES users (id),
        agent_id uuid NOT NULL REFERENCES agents (id),
        title text NOT NULL,
        created_at timestamptz NOT NULL,
        last_message_at timestamptz NOT NULL,
        -- Kept by insertMessage in the same transaction as the message (messages are never
        -- deleted), so a history page's total is read here instead of counted over messages.
        message_count integer NOT NULL DEFAULT 0
      );
      CREATE INDEX sessions_user_recent ON sessions (workspace_id, user_id, last_message_at DESC, id DESC);
      CREATE INDEX sessions_agent_recent ON sessions (workspace_id, agent_id, last_message_at DESC, id DESC);
      CREATE INDEX sessions_workspace_recent ON sessions (workspace_id, last_message_at DESC, id DESC);

      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id),
        workspace_id uuid NOT NULL,
        user_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('user', 'assistant')),
        content text NOT NULL,
        status text NOT NULL CHECK (status IN ('complete', 'incomplete', 'streaming')),
        input_tokens integer,
        output_tokens integer,
        model text,
        duration_ms integer,
        routed_by text,
        created_at timestamptz NOT NULL
      );
      -- One index per history filter, each in (created_at, id) order so a page is a range scan
      -- with no sort. The INCLUDEd columns let the other filters of a combined query, and the
      -- page's count, be answered from the index alone (index-only scans skip the heap).
      CREATE INDEX messages_session_order ON messages (session_id, created_at, id) INCLUDE (workspace_id, user_id, agent_id);
      CREATE INDEX messages_agent_order ON messages (workspace_id, agent_id, created_at, id) INCLUDE (user_id);
      CREATE INDEX messages_user_order ON messages (workspace_id, user_id, created_at, id) INCLUDE (agent_id);
      CREATE INDEX messages_workspace_order ON messages (workspace_id, created_at, id);
      -- The start-up sweep looks for the few leftovers only.
      CREATE INDEX messages_streaming ON messages (id) WHERE status = 'streaming';

      CREATE TABLE feedback (
        message_id uuid NOT NULL REFERENCES messages (id),
        user_id uuid NOT NULL REFERENCES users (id),
        rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (message_id, user_id)
      );

      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('in_progress', 'done')),
        status_code integer,
        response jsonb,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, key)
      );
      CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

      CREATE TABLE agent_usage (
        workspace_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        model text NOT NULL,
        day date NOT NULL,
        -- bigint: a busy agent passes 2^31 tokens in a month.
        input_tokens bigint NOT NULL,
        output_tokens bigint NOT NULL,
        errors integer NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (agent_id, day, model)
      );
    `,
  },
  {
    version: 2,
    name: 'routing vectors',
    sql: `
      -- Keyed by a hash of the text: a text may be longer than a btree entry allows.
      CREATE TABLE routing_vectors (
        model text NOT NULL,
        text_hash text NOT NULL,
        text text NOT NULL,
        vector bytea NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (model, text_hash)
      );
    `,
  },
  {
    version: 3,
    name: 'session and message counts',
    sql: `
      -- The totals of the listings, per workspace, user and agent: a page's total adds up one row
      -- per user and agent instead of counting every session. Each session and each message row
      -- adds 1, by trigger, whatever statement inserts it. The function keeps the migration's
      -- search_path (this schema) whoever calls them.
      CREATE TABLE session_counts (
        workspace_id uuid NOT NULL,
        user_id uuid NOT NULL,
        agent_id uuid NOT NULL,
        sessions bigint NOT NULL,
        messages bigint NOT NULL,
        PRIMARY KEY (workspace_id, user_id, agent_id)
      );
      CREATE INDEX session_counts_by_agent ON session_counts (workspace_id, agent_id);
      INSERT INTO session_counts (workspace_id, user_id, agent_id, sessions, messages)
        SELECT workspace_id, user_id, agent_id, count(*), COALESCE(sum(message_count), 0) FROM sessions GROUP BY workspace_id, user_id, agent_id;
      -- A session row counts 1 session, a message row 1 message (it carries its session's
      -- workspace, user and agent).
      CREATE FUNCTION tally() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      DECLARE
        is_session integer := CASE WHEN TG_TABLE_NAME = 'sessions' THEN 1 ELSE 0 END;
      BEGIN
        INSERT INTO session_counts (workspace_id, user_id, agent_id, sessions, messages)
        VALUES (NEW.workspace_id, NEW.user_id, NEW.agent_id, is_session, 1 - is_session)
        ON CONFLICT (workspace_id, user_id, agent_id)
        DO UPDATE SET sessions = session_counts.sessions + EXCLUDED.sessions, messages = session_counts.messages + EXCLUDED.messages;
        RETURN NULL;
      END $$;
      CREATE TRIGGER sessions_tallied AFTER INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION tally();
      CREATE TRIGGER messages_tallied AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION tally();
    `,
  },
];

/** Arbitrary constant naming fleetchat's migration lock; the second key is the schema. */
const migrationLockKey = 0x666c6374; // "flct"

/**
 * Applies the migrations not yet recorded, all in one transaction. The advisory lock makes
 * instances that start together queue here: the first applies, the others then find nothing
 * left to do. Being transaction-scoped, the lock cannot leak if a migration fails.
 */
export async function migrate(database: Database): Promise<void> {
  await database.transaction(async (client) => {
    await client.query({ text: 'SELECT pg_advisory_xact_lock($1, hashtext($2))', values: [migrationLockKey, database.schema] });
    await client.query({ text: `CREATE SCHEMA IF NOT EXISTS ${database.schema}` });
    await client.query({
      text: `CREATE TABLE IF NOT EXISTS ${database.schema}.schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    });
    const applied = await client.query<{ version: number }>({ text: `SELECT version FROM ${database.schema}.schema_migrations` });
    const done = new Set(applied.rows.map((row) => row.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      // search_path was set at connect time, possibly before the schema existed; pin it here so
      // unqualified names in the migration land in our schema.
      await client.query({ text: `SET LOCAL search_path TO ${database.schema}` });
      await client.query({ text: migration.sql });
      await client.query({
        text: `INSERT INTO ${database.schema}.schema_migrations (version, name) VALUES ($1, $2)`,
        values: [migration.version, migration.name],
      });
    }
  });
}
