import { describe, expect, it } from 'vitest';
import { runInSlices } from '../../src/agents/build-in-slices.ts';
import { buildRouterIndex, buildRouterIndexSteps, createWordVectors, scoreMessage, type AgentProfile } from '../../src/routing/index.ts';
import { profile } from './fixtures.ts';

// A workspace big enough for the build to take many steps: 40 agents × 30 examples.
const topics = ['flight', 'invoice', 'recipe', 'printer', 'salary', 'garden', 'music', 'lawyer'];
const AGENTS: AgentProfile[] = Array.from({ length: 40 }, (_, agent) =>
  profile(
    `agent-${agent}`,
    `Helps with ${topics[agent % topics.length]} questions, desk ${agent}.`,
    Array.from({ length: 30 }, (_, example) => `${topics[agent % topics.length]} question ${example} about item${agent}x${example % 7} and thing${agent}`),
  ),
);
const vectors = createWordVectors(['flight', 'invoice', 'recipe', 'question'], Array.from({ length: 16 }, (_, position) => Math.sin(position)), 4);

describe('building an index in steps', () => {
  it('yields many times for a large workspace and learns the same index as the one-go build', () => {
    const steps = buildRouterIndexSteps(AGENTS, { wordVectors: vectors });
    let yields = 0;
    let step = steps.next();
    while (!step.done) {
      yields += 1;
      step = steps.next();
    }
    expect(yields).toBeGreaterThan(5);
    const stepped = step.value;
    const direct = buildRouterIndex(AGENTS, { wordVectors: vectors });
    for (const message of ['flight question about item3x2', 'a recipe for thing12', 'invoice']) {
      expect(scoreMessage(stepped, message)).toEqual(scoreMessage(direct, message));
    }
  });

  it('gives the event loop turns while it builds, and returns the index', async () => {
    let turns = 0;
    const ticker = setInterval(() => (turns += 1), 0);
    try {
      const index = await runInSlices(buildRouterIndexSteps(AGENTS, { wordVectors: vectors }), 1);
      expect(index.agentIds).toHaveLength(40);
      expect(turns).toBeGreaterThan(0);
    } finally {
      clearInterval(ticker);
    }
  });
});
