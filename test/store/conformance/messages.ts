/** Conformance: messages, the start-up sweep and feedback. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import { addMessage, addSession, addTenant, addWorkspace, at, type StoreGetter } from './fixtures.ts';

export function describeMessages(store: StoreGetter): void {
  describe('messages', () => {
    it('inserts a message, fills absent figures with null, and reads it back in its workspace only', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const id = newId();
      const input = { id, sessionId: session.id, workspaceId: workspace.id, userId: member.id, agentId: agent.id, role: 'user' as const, content: 'Hello', status: 'complete' as const, createdAt: at(100) };
      const expected = { ...input, inputTokens: null, outputTokens: null, model: null, durationMs: null, routedBy: null };
      expect(await store().insertMessage(input)).toEqual(expected);
      expect(await store().getMessage(workspace.id, id)).toEqual(expected);
      const other = await addWorkspace(store());
      expect(await store().getMessage(other.id, id)).toBeUndefined();
      expect(await store().getMessage(workspace.id, newId())).toBeUndefined();
    });

    it('keeps the figures of an assistant message', async () => {
      const { member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const message = await addMessage(store(), session, { role: 'assistant', inputTokens: 3840, outputTokens: 612, model: 'openai/gpt-4o-mini', durationMs: 4210, routedBy: 'relevance', createdAt: at(1) });
      expect(await store().getMessage(session.workspaceId, message.id)).toMatchObject({ inputTokens: 3840, outputTokens: 612, model: 'openai/gpt-4o-mini', durationMs: 4210, routedBy: 'relevance', role: 'assistant' });
    });

    it("moves the session's lastMessageAt forward, never back", async () => {
      const { member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      await addMessage(store(), session, { createdAt: at(5000) });
      expect((await store().getSession(session.workspaceId, session.id))?.lastMessageAt).toEqual(at(5000));
      await addMessage(store(), session, { createdAt: at(4000) });
      expect((await store().getSession(session.workspaceId, session.id))?.lastMessageAt).toEqual(at(5000));
    });

    it('finishes a streaming answer', async () => {
      const { member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const streaming = await addMessage(store(), session, { role: 'assistant', content: '', status: 'streaming', inputTokens: null, outputTokens: null, model: null, durationMs: null, createdAt: at(1) });
      await store().finishMessage(streaming.id, { content: 'Here is the answer', status: 'complete', inputTokens: 12, outputTokens: 34, model: 'mock/echo', durationMs: 56 });
      expect(await store().getMessage(session.workspaceId, streaming.id)).toEqual({
        ...streaming, content: 'Here is the answer', status: 'complete', inputTokens: 12, outputTokens: 34, model: 'mock/echo', durationMs: 56,
      });
    });

    it('gives the newest messages of a session oldest first, without streaming ones', async () => {
      const { member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const other = await addSession(store(), member, agent, at(0));
      const messages = [];
      for (let index = 0; index < 6; index += 1) {
        messages.push(await addMessage(store(), session, { role: index % 2 === 0 ? 'user' : 'assistant', createdAt: at(1000 + index) }));
      }
      await addMessage(store(), session, { role: 'assistant', status: 'streaming', content: 'partial', createdAt: at(2000) });
      await addMessage(store(), other, { createdAt: at(3000) });
      const recent = await store().recentSessionMessages(session.id, 4);
      expect(recent.map((message) => message.id)).toEqual(messages.slice(2).map((message) => message.id));
      expect(recent[0]).toEqual(messages[2]);
      expect((await store().recentSessionMessages(session.id, 100)).length).toBe(6);
      expect(await store().recentSessionMessages(newId(), 10)).toEqual([]);
    });

    it('sweeps streaming leftovers to incomplete and leaves the others', async () => {
      const { member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const complete = await addMessage(store(), session, { role: 'assistant', createdAt: at(1) });
      const leftover = await addMessage(store(), session, { role: 'assistant', status: 'streaming', content: 'cut sh', createdAt: at(2) });
      // Other tests on a shared database may leave streaming rows too: a lower bound.
      expect(await store().sweepStreaming()).toBeGreaterThanOrEqual(1);
      expect(await store().getMessage(session.workspaceId, leftover.id)).toEqual({ ...leftover, status: 'incomplete' });
      expect(await store().getMessage(session.workspaceId, complete.id)).toEqual(complete);
    });
  });

  describe('feedback', () => {
    it('inserts, then replaces the rating while keeping createdAt', async () => {
      const { member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const answer = await addMessage(store(), session, { role: 'assistant', createdAt: at(1) });
      const first = await store().upsertFeedback({ messageId: answer.id, userId: member.id, rating: 2, comment: 'meh', now: at(100) });
      expect(first).toEqual({ messageId: answer.id, userId: member.id, rating: 2, comment: 'meh', createdAt: at(100), updatedAt: at(100) });
      const second = await store().upsertFeedback({ messageId: answer.id, userId: member.id, rating: 5, comment: null, now: at(200) });
      expect(second).toEqual({ messageId: answer.id, userId: member.id, rating: 5, comment: null, createdAt: at(100), updatedAt: at(200) });
    });

    it('keeps one rating per user per message', async () => {
      const { admin, member, agent } = await addTenant(store());
      const session = await addSession(store(), member, agent, at(0));
      const answer = await addMessage(store(), session, { role: 'assistant', createdAt: at(1) });
      await store().upsertFeedback({ messageId: answer.id, userId: member.id, rating: 4, comment: null, now: at(10) });
      const adminRating = await store().upsertFeedback({ messageId: answer.id, userId: admin.id, rating: 1, comment: 'no', now: at(20) });
      expect(adminRating.createdAt).toEqual(at(20));
      const page = await store().history({ workspaceId: session.workspaceId, sessionId: session.id, viewerId: member.id, limit: 10, offset: 0, order: 'asc' });
      expect(page.data[0].feedback).toEqual({ rating: 4, comment: null });
    });
  });
}
