/** Conformance: the composite writes of the answer path (beginTurn, completeAnswer). */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import { addMessage, addSession, addTenant, at, type StoreGetter } from './fixtures.ts';

export function describeAnswers(store: StoreGetter): void {
  describe('answers', () => {
    it('opens a session and stores its first message in one step', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const sessionId = newId();
      const message = { id: newId(), sessionId, workspaceId: workspace.id, userId: member.id, agentId: agent.id, role: 'user' as const, content: 'first', status: 'complete' as const, createdAt: at(10) };
      const stored = await store().beginTurn({ session: { id: sessionId, workspaceId: workspace.id, userId: member.id, agentId: agent.id, title: 'first', now: at(10) }, message });
      expect(stored).toMatchObject({ id: message.id, content: 'first', sessionId });
      expect(await store().getSession(workspace.id, sessionId)).toMatchObject({ id: sessionId, title: 'first', lastMessageAt: at(10) });
      expect((await store().recentSessionMessages(sessionId, 10)).map((item) => item.id)).toEqual([message.id]);
    });

    it('continues an existing session without opening one', async () => {
      const { member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const message = { id: newId(), sessionId: session.id, workspaceId: session.workspaceId, userId: member.id, agentId: agent.id, role: 'user' as const, content: 'again', status: 'complete' as const, createdAt: at(20) };
      await store().beginTurn({ message });
      expect((await store().getSession(session.workspaceId, session.id))?.lastMessageAt).toEqual(at(20));
    });

    it('stores nothing when the message cannot be stored (the new session is rolled back)', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const sessionId = newId();
      const existing = await addMessage(store(), await addSession(store(), member, agent, at(0)), { createdAt: at(1) });
      const duplicate = { ...existing, sessionId, createdAt: at(30) };
      await expect(store().beginTurn({ session: { id: sessionId, workspaceId: workspace.id, userId: member.id, agentId: agent.id, title: 't', now: at(30) }, message: duplicate })).rejects.toThrow();
      expect(await store().getSession(workspace.id, sessionId)).toBeUndefined();
    });

    it('rolls back a failing turn alone when turns are written together (SQLite: one commit)', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const existing = await addMessage(store(), await addSession(store(), member, agent, at(0)), { createdAt: at(1) });
      const turn = (sessionId: string, messageId: string) =>
        store().beginTurn({
          session: { id: sessionId, workspaceId: workspace.id, userId: member.id, agentId: agent.id, title: 't', now: at(60) },
          message: { id: messageId, sessionId, workspaceId: workspace.id, userId: member.id, agentId: agent.id, role: 'user', content: 'together', status: 'complete', createdAt: at(60) },
        });
      const [before, failing, after] = [newId(), newId(), newId()];
      // Issued in one turn of the event loop: the failing one (a duplicate message id, found
      // after its session was inserted) sits between two that must be kept whole.
      const outcomes = await Promise.allSettled([turn(before, newId()), turn(failing, existing.id), turn(after, newId())]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await store().getSession(workspace.id, failing)).toBeUndefined();
      for (const sessionId of [before, after]) {
        expect(await store().getSession(workspace.id, sessionId)).toMatchObject({ id: sessionId, lastMessageAt: at(60) });
        expect(await store().recentSessionMessages(sessionId, 10)).toHaveLength(1);
      }
    });

    it('inserts a finished answer with its usage and the agent activity together', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const message = { id: newId(), sessionId: session.id, workspaceId: workspace.id, userId: member.id, agentId: agent.id, role: 'assistant' as const, content: 'answer', status: 'complete' as const, inputTokens: 7, outputTokens: 3, model: 'mock/x', durationMs: 12, routedBy: 'explicit' as const, createdAt: at(40) };
      const day = at(40).toISOString().slice(0, 10);
      await store().completeAnswer({ message, streamed: false, usage: { workspaceId: workspace.id, agentId: agent.id, model: 'mock/x', day, inputTokens: 7, outputTokens: 3, errors: 0, at: at(40) } });
      expect(await store().getMessage(workspace.id, message.id)).toMatchObject({ content: 'answer', status: 'complete', inputTokens: 7, outputTokens: 3, model: 'mock/x' });
      expect(await store().agentUsage(agent.id, day)).toMatchObject({ todayInput: 7, todayOutput: 3 });
      expect((await store().getAgent(workspace.id, agent.id))?.lastActiveAt).toEqual(at(40));
    });

    it('finishes a streamed answer in place', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const streaming = await addMessage(store(), session, { role: 'assistant', content: '', status: 'streaming', inputTokens: null, outputTokens: null, model: null, durationMs: null, createdAt: at(50) });
      const day = at(50).toISOString().slice(0, 10);
      await store().completeAnswer({
        message: { ...streaming, content: 'streamed text', status: 'complete', inputTokens: 5, outputTokens: 2, model: 'mock/y', durationMs: 9 },
        streamed: true,
        usage: { workspaceId: workspace.id, agentId: agent.id, model: 'mock/y', day, inputTokens: 5, outputTokens: 2, errors: 0, at: at(51) },
      });
      expect(await store().getMessage(workspace.id, streaming.id)).toMatchObject({ content: 'streamed text', status: 'complete', inputTokens: 5, model: 'mock/y' });
      const page = await store().history({ workspaceId: workspace.id, sessionId: session.id, viewerId: member.id, limit: 10, offset: 0, order: 'asc' });
      expect(page.total).toBe(1);
    });
  });
}
