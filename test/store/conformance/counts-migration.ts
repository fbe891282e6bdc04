/**
 * Migration 3 (`session_counts`) on a database that already holds sessions and messages: the
 * backend's test takes its schema back to before the migration, this writes data, migrates, and
 * checks every listing's total, then that new sessions and messages keep being counted.
 */
import { expect } from 'vitest';
import type { Session, Store } from '../../../src/store/store.ts';
import { addAgent, addMessage, addSession, addTenant, at } from './fixtures.ts';

export async function expectCountsAfterMigration(store: Store, rollback: () => Promise<void>, migrate: () => Promise<void>): Promise<void> {
  await rollback();
  const { workspace, admin, member, agent } = await addTenant(store);
  const otherAgent = await addAgent(store, workspace.id);
  const sessions = [await addSession(store, member, agent), await addSession(store, member, otherAgent), await addSession(store, admin, agent), await addSession(store, member, agent)];
  const messages = new Map<Session, number>(sessions.map((session) => [session, 0]));
  const write = async (session: Session, minute: number) => {
    await addMessage(store, session, { createdAt: at(minute) });
    messages.set(session, (messages.get(session) ?? 0) + 1);
  };
  for (let index = 0; index < 30; index += 1) await write(sessions[(index * 7) % sessions.length], index + 1);

  await migrate();
  const late = await addSession(store, admin, otherAgent, at(100));
  messages.set(late, 0);
  await write(late, 101);
  await write(sessions[0], 102);

  for (const userId of [undefined, member.id, admin.id]) {
    for (const agentId of [undefined, agent.id, otherAgent.id]) {
      const selected = [...messages].filter(([session]) => (userId === undefined || session.userId === userId) && (agentId === undefined || session.agentId === agentId));
      const listing = await store.listSessions({ workspaceId: workspace.id, userId, agentId, limit: 1, offset: 0 });
      expect(listing.total, `sessions of user ${userId} and agent ${agentId}`).toBe(selected.length);
      const history = await store.history({ workspaceId: workspace.id, userId, agentId, viewerId: admin.id, limit: 1, offset: 0, order: 'asc' });
      expect(history.total, `messages of user ${userId} and agent ${agentId}`).toBe(selected.reduce((sum, [, count]) => sum + count, 0));
    }
  }
}
