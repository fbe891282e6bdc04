/** Conformance: lifecycle (migrate, ping) and the text rule (round-trip exactly, or refuse). */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import type { Store } from '../../../src/store/store.ts';
import { addSession, addTenant, addWorkspace, at, type StoreGetter } from './fixtures.ts';

/**
 * The service-level rule every backend follows: content comes back exactly as written or the
 * write throws and nothing is stored. Which of the two happens is the backend's (SQLite keeps
 * NUL, PostgreSQL refuses it; both refuse lone surrogates): the backend's own test says which.
 */
export async function expectRoundTripOrRefusal(store: Store, content: string): Promise<'stored' | 'refused'> {
  const { workspace, member, agent } = await addTenant(store);
  const session = await addSession(store, member, agent, at(0));
  const id = newId();
  const message = { id, sessionId: session.id, workspaceId: workspace.id, userId: member.id, agentId: agent.id, role: 'user' as const, content, status: 'complete' as const, createdAt: at(1) };
  try {
    await store.insertMessage(message);
  } catch {
    expect(await store.getMessage(workspace.id, id)).toBeUndefined();
    return 'refused';
  }
  expect((await store.getMessage(workspace.id, id))?.content).toBe(content);
  const page = await store.history({ workspaceId: workspace.id, sessionId: session.id, viewerId: member.id, limit: 1, offset: 0, order: 'asc' });
  expect(page.data[0].content).toBe(content);
  expect((await store.recentSessionMessages(session.id, 1))[0].content).toBe(content);
  return 'stored';
}

export const edgeContents = {
  emoji: 'Status 🚀👩🏽‍💻🇫🇷 — ok ✅, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, עברית, 中文',
  long: 'x'.repeat(50_000) + 'é'.repeat(25_000) + '🙂'.repeat(12_500),
  nul: 'before\u0000after',
  loneHighSurrogate: 'broken \uD83D here',
  loneLowSurrogate: 'broken \uDE00 here',
  controlCharacters: 'tab\tnewline\ncarriage\rbell\u0007',
  quotes: `it's "quoted" \\ and ; DROP TABLE messages; --`,
};

export function describeLifecycleAndContent(store: StoreGetter): void {
  describe('lifecycle', () => {
    it('names its backend and answers ping', async () => {
      expect(['sqlite', 'postgres']).toContain(store().kind);
      expect(await store().ping()).toBe(true);
    });

    it('migrates again without error or loss', async () => {
      const workspace = await addWorkspace(store());
      await store().migrate();
      await Promise.all([store().migrate(), store().migrate()]);
      expect(await store().getWorkspace(workspace.id)).toEqual(workspace);
    });
  });

  describe('edge content', () => {
    for (const name of ['emoji', 'long', 'controlCharacters', 'quotes'] as const) {
      it(`round-trips ${name} exactly`, async () => {
        expect(await expectRoundTripOrRefusal(store(), edgeContents[name])).toBe('stored');
      });
    }

    for (const name of ['nul', 'loneHighSurrogate', 'loneLowSurrogate'] as const) {
      it(`round-trips ${name} exactly or refuses it`, async () => {
        await expectRoundTripOrRefusal(store(), edgeContents[name]);
      });
    }

    it('round-trips emoji in names, titles and comments', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const renamed = await store().updateAgent(workspace.id, agent.id, { name: `${agent.name} 🤖` }, at(1));
      expect((await store().getAgentByName(workspace.id, `${agent.name} 🤖`))?.id).toBe(renamed?.id);
      const session = await store().createSession({ id: newId(), workspaceId: workspace.id, userId: member.id, agentId: agent.id, title: edgeContents.emoji, now: at(2) });
      expect((await store().getSession(workspace.id, session.id))?.title).toBe(edgeContents.emoji);
      const message = await store().insertMessage({ id: newId(), sessionId: session.id, workspaceId: workspace.id, userId: member.id, agentId: agent.id, role: 'assistant', content: 'a', status: 'complete', createdAt: at(3) });
      const feedback = await store().upsertFeedback({ messageId: message.id, userId: member.id, rating: 3, comment: edgeContents.emoji, now: at(4) });
      expect(feedback.comment).toBe(edgeContents.emoji);
    });
  });
}
