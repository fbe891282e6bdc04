/**
 * The data set of bench/history.ts: one workspace, 4 users, 3 agents, 100 sessions of 10 000
 * messages (1 M), interleaved in time as real sessions are, every 50th answer rated.
 */
import { newId } from '../src/ids.ts';
import type { SqliteStore } from '../src/store/sqlite/index.ts';
import type { Agent, Session, User, Workspace } from '../src/store/store.ts';

export const sessionCount = 100;
export const messagesPerSession = 10_000;
const userCount = 4;
const agentCount = 3;
export const baseTime = Date.parse('2026-01-01T00:00:00.000Z');
export const userText = 'Summarize the top competitor moves from last week, with sources.';
const answerText = "Here's a summary of last week's competitor moves. ".repeat(8);

export interface HistoryFixture {
  workspace: Workspace;
  users: User[];
  agents: Agent[];
  sessions: Session[];
}

async function createOwners(store: SqliteStore): Promise<HistoryFixture> {
  const now = new Date(baseTime);
  const workspace = await store.createWorkspace({ id: newId(), name: `bench-${newId()}`, now });
  const users: User[] = [];
  for (let index = 0; index < userCount; index += 1) {
    const role = index === 0 ? 'admin' : 'member';
    users.push(await store.createUser({ id: newId(), workspaceId: workspace.id, email: `bench-${index}-${newId()}@example.test`, passwordHash: 'x', role, now }));
  }
  const agents: Agent[] = [];
  for (let index = 0; index < agentCount; index += 1) {
    agents.push(await store.createAgent({
      id: newId(), workspaceId: workspace.id, name: `Agent ${index}`, role: 'r', description: 'd', soul: 's', status: 'online', source: 'api', now,
      config: { model: { default: 'mock/echo', fallbacks: [] }, routing: { examples: [], keywords: [] }, session: { maxContextTokens: 16000 }, limits: { dailyTokenBudget: null, monthlyTokenBudget: null } },
    }));
  }
  const sessions: Session[] = [];
  for (let index = 0; index < sessionCount; index += 1) {
    const user = users[index % userCount];
    const agent = agents[index % agentCount];
    sessions.push(await store.createSession({ id: newId(), workspaceId: workspace.id, userId: user.id, agentId: agent.id, title: `Session ${index}`, now }));
  }
  return { workspace, users, agents, sessions };
}

/** Fills an empty, migrated store: one transaction, one prepared insert. Returns the seconds taken too. */
export async function fillHistoryDatabase(store: SqliteStore): Promise<HistoryFixture & { seconds: number }> {
  const started = performance.now();
  const fixture = await createOwners(store);
  const { workspace, sessions } = fixture;
  const database = store.database;
  const insert = database.prepare(
    `INSERT INTO messages (id, session_id, workspace_id, user_id, agent_id, role, content, status, input_tokens, output_tokens, model, duration_ms, routed_by, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'complete', ?, ?, ?, ?, ?, ?)`,
  );
  const rate = database.prepare('INSERT INTO feedback (message_id, user_id, rating, comment, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)');
  database.transaction(() => {
    for (let turn = 0; turn < messagesPerSession; turn += 1) {
      for (let sessionIndex = 0; sessionIndex < sessions.length; sessionIndex += 1) {
        const session = sessions[sessionIndex];
        const createdAt = baseTime + (turn * sessionCount + sessionIndex) * 10;
        const id = newId(createdAt);
        if (turn % 2 === 0) {
          insert.run(id, session.id, workspace.id, session.userId, session.agentId, 'user', userText, null, null, null, null, null, createdAt);
        } else {
          insert.run(id, session.id, workspace.id, session.userId, session.agentId, 'assistant', answerText, 3840, 612, 'mock/echo', 420, 'session', createdAt);
          if (turn % 50 === 1) rate.run(id, session.userId, 1 + (turn % 5), createdAt, createdAt);
        }
      }
    }
    database.prepare('UPDATE sessions SET last_message_at = ?').run(baseTime + sessionCount * messagesPerSession * 10);
  })();
  database.pragma('wal_checkpoint(TRUNCATE)');
  return { ...fixture, seconds: (performance.now() - started) / 1000 };
}

/** The fixture of a file filled by an earlier run (--keep, then --reuse). */
export async function loadHistoryFixture(store: SqliteStore): Promise<HistoryFixture> {
  const database = store.database;
  const workspaceId = database.prepare("SELECT id FROM workspaces WHERE name LIKE 'bench-%' LIMIT 1").pluck().get() as string;
  const workspace = (await store.getWorkspace(workspaceId)) as Workspace;
  const users = (await store.listUsers(workspaceId, 100, 0)).data;
  const agents = (await store.listAgents(workspaceId, { limit: 100, offset: 0 })).data;
  const sessions = (await store.listSessions({ workspaceId, limit: 1000, offset: 0 })).data;
  return { workspace, users, agents, sessions };
}
