/** Conformance: usage counters. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import type { UsageRecord } from '../../../src/store/store.ts';
import { addAgent, addTenant, at, type StoreGetter } from './fixtures.ts';

export function describeUsage(store: StoreGetter): void {
  describe('usage', () => {
    const record = (workspaceId: string, agentId: string, day: string, model: string, inputTokens: number, outputTokens: number, errors = 0): UsageRecord =>
      ({ workspaceId, agentId, day, model, inputTokens, outputTokens, errors, at: at(0) });

    it('sums the day and its whole calendar month, over every model', async () => {
      const { workspace, agent } = await addTenant(store());
      const other = await addAgent(store(), workspace.id);
      const add = (day: string, model: string, input: number, output: number) => store().addUsage(record(workspace.id, agent.id, day, model, input, output));
      await add('2030-05-10', 'mock/a', 100, 10);
      await add('2030-05-10', 'mock/a', 50, 5); // same row: summed
      await add('2030-05-10', 'mock/b', 7, 3);
      await add('2030-05-01', 'mock/a', 1000, 100);
      await add('2030-05-31', 'mock/b', 2000, 200);
      await add('2030-04-30', 'mock/a', 90000, 9000); // previous month
      await add('2030-06-01', 'mock/a', 80000, 8000); // next month
      await store().addUsage(record(workspace.id, other.id, '2030-05-10', 'mock/a', 555, 55));

      expect(await store().agentUsage(agent.id, '2030-05-10')).toEqual({ todayInput: 157, todayOutput: 18, monthInput: 3157, monthOutput: 318 });
      expect(await store().agentUsage(agent.id, '2030-05-11')).toEqual({ todayInput: 0, todayOutput: 0, monthInput: 3157, monthOutput: 318 });
      expect(await store().agentUsage(newId(), '2030-05-10')).toEqual({ todayInput: 0, todayOutput: 0, monthInput: 0, monthOutput: 0 });
    });

    it("gives many agents' sums for one day at once", async () => {
      const { workspace, agent } = await addTenant(store());
      const second = await addAgent(store(), workspace.id);
      const idle = await addAgent(store(), workspace.id);
      await store().addUsage(record(workspace.id, agent.id, '2030-07-01', 'mock/a', 10, 1));
      await store().addUsage(record(workspace.id, agent.id, '2030-07-01', 'mock/b', 20, 2, 1));
      await store().addUsage(record(workspace.id, agent.id, '2030-06-30', 'mock/a', 999, 99));
      await store().addUsage(record(workspace.id, second.id, '2030-07-01', 'mock/a', 5, 5));

      const today = await store().agentsUsageToday([agent.id, second.id, idle.id], '2030-07-01');
      expect(today.get(agent.id)).toEqual({ input: 30, output: 3 });
      expect(today.get(second.id)).toEqual({ input: 5, output: 5 });
      // An agent without usage may be absent or zero: both read as zero.
      expect(today.get(idle.id) ?? { input: 0, output: 0 }).toEqual({ input: 0, output: 0 });
      expect((await store().agentsUsageToday([], '2030-07-01')).size).toBe(0);
    });
  });
}
