/**
 * Builders for the conformance suite. Every test makes its own workspace, users and agents with
 * fresh ids and unique names, so the suite can run against a shared database (PostgreSQL) next
 * to other tests without colliding, and never assumes the database is empty.
 */
import { newId } from '../../../src/ids.ts';
import type { Agent, AgentConfig, AgentStatus, Message, NewMessage, Role, Session, Store, User, Workspace } from '../../../src/store/store.ts';

/** Times far from "now", so that nothing created by the tests competes with real clocks. */
export const baseTime = Date.parse('2030-01-01T00:00:00.000Z');

export function at(offsetMs: number): Date {
  return new Date(baseTime + offsetMs);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${newId()}`;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${newId()}@example.test`;
}

export function agentConfig(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    model: { default: 'mock/echo', fallbacks: ['mock/backup'] },
    routing: { examples: ['What did competitors ship?'], keywords: ['competitor', 'pricing'] },
    session: { maxContextTokens: 16000 },
    limits: { dailyTokenBudget: 300000, monthlyTokenBudget: null },
    ...overrides,
  };
}

export async function addWorkspace(store: Store, now: Date = at(0)): Promise<Workspace> {
  return store.createWorkspace({ id: newId(), name: uniqueName('workspace'), now });
}

export async function addUser(store: Store, workspaceId: string, role: Role = 'member', now: Date = at(0)): Promise<User> {
  return store.createUser({ id: newId(), workspaceId, email: uniqueEmail(role), passwordHash: 'scrypt$hash', role, now });
}

export async function addAgent(
  store: Store,
  workspaceId: string,
  options: { name?: string; status?: AgentStatus; now?: Date } = {},
): Promise<Agent> {
  return store.createAgent({
    id: newId(),
    workspaceId,
    name: options.name ?? uniqueName('Agent'),
    role: 'Research Analyst',
    description: 'Monitors the competitive landscape',
    soul: '# Soul\nYou are careful.',
    status: options.status ?? 'online',
    config: agentConfig(),
    source: 'api',
    now: options.now ?? at(0),
  });
}

export async function addSession(store: Store, user: User, agent: Agent, now: Date = at(0)): Promise<Session> {
  return store.createSession({ id: newId(), workspaceId: user.workspaceId, userId: user.id, agentId: agent.id, title: 'A session', now });
}

export async function addMessage(
  store: Store,
  session: Session,
  fields: Partial<NewMessage> & { createdAt: Date },
): Promise<Message> {
  const role = fields.role ?? 'user';
  return store.insertMessage({
    id: newId(),
    sessionId: session.id,
    workspaceId: session.workspaceId,
    userId: session.userId,
    agentId: session.agentId,
    role,
    content: `${role} message`,
    status: 'complete',
    ...(role === 'assistant' && { inputTokens: 10, outputTokens: 5, model: 'mock/echo', durationMs: 100, routedBy: 'explicit' as const }),
    ...fields,
  });
}

/** A workspace with an admin, a member and an agent: the common starting point. */
export async function addTenant(store: Store) {
  const workspace = await addWorkspace(store);
  const admin = await addUser(store, workspace.id, 'admin');
  const member = await addUser(store, workspace.id, 'member');
  const agent = await addAgent(store, workspace.id);
  return { workspace, admin, member, agent };
}

export type StoreGetter = () => Store;
