import { afterEach, describe, expect, it } from 'vitest';
import { AgentService } from '../../src/agents/agent-service.ts';
import { ensureWorkspace } from '../../src/agents/fleet-sync.ts';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.ts';

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function setUp() {
  store = createSqliteStore({ filename: ':memory:' });
  await store.migrate();
  const workspace = await ensureWorkspace(store, 'default');
  const agents = new AgentService({ store, isKnownModel: () => true });
  // Big enough that learning it takes several slices of the event loop.
  for (let agent = 0; agent < 30; agent += 1) {
    await agents.create(workspace.id, {
      name: `agent ${agent}`,
      description: `Desk ${agent}`,
      config: { model: { default: 'mock/echo' }, routing: { examples: Array.from({ length: 40 }, (_, example) => `topic${agent} case ${example} item${example % 9}`) } },
    });
  }
  return { agents, workspaceId: workspace.id };
}

describe('routing snapshots', () => {
  it('an agent created while the router is being learned is in the next snapshot, not lost to the one in flight', async () => {
    const { agents, workspaceId } = await setUp();
    const inFlight = agents.routingSnapshot(workspaceId);
    // Let the build start (it reads the store, then learns in slices), then change the workspace.
    await new Promise((resolve) => setImmediate(resolve));
    const added = await agents.create(workspaceId, { name: 'late agent', description: 'Arrived during the build', config: { model: { default: 'mock/echo' } } });
    const first = await inFlight;
    expect(first.agents.has(added.id)).toBe(false);
    const next = await agents.routingSnapshot(workspaceId);
    expect(next.agents.has(added.id)).toBe(true);
    expect(next.index.agentIds).toContain(added.id);
  });

  it('reuses the learned index while no agent changed', async () => {
    const { agents, workspaceId } = await setUp();
    const first = await agents.routingSnapshot(workspaceId);
    agents.invalidate(workspaceId);
    const second = await agents.routingSnapshot(workspaceId);
    expect(second.index).toBe(first.index);
  });
});
