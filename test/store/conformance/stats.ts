/** Conformance: agent statistics, exact on a small fixture. */
import { describe, expect, it } from 'vitest';
import { addAgent, addMessage, addSession, addTenant, addUser, type StoreGetter } from './fixtures.ts';

const march = (day: number, hour = 12) => new Date(Date.UTC(2030, 2, day, hour));
const noRatings = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };

export function describeStats(store: StoreGetter): void {
  describe('agentStats', () => {
    it('computes messages, sessions, tokens, feedback, latency and errors, in total and by model', async () => {
      const { workspace, admin, member, agent } = await addTenant(store());
      const secondMember = await addUser(store(), workspace.id);
      const otherAgent = await addAgent(store(), workspace.id);
      const s1 = await addSession(store(), member, agent, march(1));
      const s2 = await addSession(store(), secondMember, agent, march(1));
      const s3 = await addSession(store(), member, agent, new Date(Date.UTC(2030, 1, 10)));
      const s4 = await addSession(store(), member, otherAgent, march(1));
      const answer = (session: typeof s1, createdAt: Date, model: string, inputTokens: number, outputTokens: number, durationMs: number) =>
        addMessage(store(), session, { role: 'assistant', createdAt, model, inputTokens, outputTokens, durationMs });

      await addMessage(store(), s1, { createdAt: march(2, 10) });
      const m1 = await answer(s1, march(2, 11), 'mock/a', 100, 10, 100);
      await addMessage(store(), s1, { createdAt: march(3, 10) });
      const m2 = await answer(s1, march(3, 11), 'mock/a', 200, 20, 300);
      await addMessage(store(), s2, { createdAt: march(4, 10) });
      const m3 = await answer(s2, march(4, 11), 'mock/b', 50, 5, 200);
      await addMessage(store(), s2, { createdAt: march(5, 10) });
      const m4 = await answer(s2, march(5, 11), 'mock/a', 10, 1, 400);
      // Outside the range (February) and of another agent: never counted.
      const old = await answer(s3, new Date(Date.UTC(2030, 1, 15)), 'mock/a', 1000, 100, 5000);
      const foreign = await answer(s4, march(6), 'mock/a', 7000, 700, 9000);

      const rate = (messageId: string, userId: string, rating: number) => store().upsertFeedback({ messageId, userId, rating, comment: null, now: march(20) });
      await rate(m1.id, member.id, 5);
      await rate(m1.id, admin.id, 3);
      await rate(m2.id, member.id, 4);
      await rate(m3.id, secondMember.id, 2);
      await rate(m4.id, secondMember.id, 4);
      await rate(old.id, member.id, 1);
      await rate(foreign.id, member.id, 1);

      const usage = (day: string, model: string, errors: number) =>
        store().addUsage({ workspaceId: workspace.id, agentId: agent.id, day, model, inputTokens: 0, outputTokens: 0, errors, at: march(1) });
      await usage('2030-03-10', 'mock/a', 1);
      await usage('2030-03-11', 'mock/c', 1);
      await usage('2030-02-10', 'mock/a', 1);
      await usage('2030-04-02', 'mock/a', 1);

      const stats = await store().agentStats({ workspaceId: workspace.id, agentId: agent.id, from: march(1, 0), to: new Date(Date.UTC(2030, 3, 1)) });
      expect(stats).toMatchObject({
        messages: 4,
        sessions: 2,
        tokens: { input: 360, output: 36 },
        feedback: { count: 5, distribution: { '1': 0, '2': 1, '3': 1, '4': 2, '5': 1 } },
        // Nearest rank over [100, 200, 300, 400].
        latencyMs: { p50: 200, p95: 400 },
        errors: 2,
      });
      expect(stats.feedback.average).toBeCloseTo(3.6, 10);
      expect(Object.keys(stats.byModel).sort()).toEqual(['mock/a', 'mock/b', 'mock/c']);
      expect(stats.byModel['mock/a']).toMatchObject({
        messages: 3,
        tokens: { input: 310, output: 31 },
        feedback: { count: 4, distribution: { '1': 0, '2': 0, '3': 1, '4': 2, '5': 1 } },
        latencyMs: { p50: 300, p95: 400 },
        errors: 1,
      });
      expect(stats.byModel['mock/a'].feedback.average).toBeCloseTo(4, 10);
      expect(stats.byModel['mock/b']).toMatchObject({
        messages: 1,
        tokens: { input: 50, output: 5 },
        feedback: { count: 1, average: 2, distribution: { ...noRatings, '2': 1 } },
        latencyMs: { p50: 200, p95: 200 },
        errors: 0,
      });
      expect(stats.byModel['mock/c']).toMatchObject({
        messages: 0,
        tokens: { input: 0, output: 0 },
        feedback: { count: 0, average: null, distribution: noRatings },
        latencyMs: { p50: null, p95: null },
        errors: 1,
      });
    });

    it('answers zeros for an agent without activity or of another workspace', async () => {
      const { workspace, member, agent } = await addTenant(store());
      const neighbour = await addTenant(store());
      const session = await addSession(store(), member, agent, march(1));
      await addMessage(store(), session, { role: 'assistant', createdAt: march(2) });
      const empty = {
        messages: 0,
        sessions: 0,
        tokens: { input: 0, output: 0 },
        feedback: { count: 0, average: null, distribution: noRatings },
        latencyMs: { p50: null, p95: null },
        errors: 0,
        byModel: {},
      };
      const range = { from: march(1, 0), to: new Date(Date.UTC(2030, 3, 1)) };
      expect(await store().agentStats({ workspaceId: neighbour.workspace.id, agentId: agent.id, ...range })).toEqual(empty);
      expect(await store().agentStats({ workspaceId: workspace.id, agentId: agent.id, from: march(10), to: march(11) })).toEqual(empty);
      expect(await store().agentStats({ workspaceId: workspace.id, agentId: agent.id, ...range })).toMatchObject({ messages: 1, sessions: 1 });
    });
  });
}
