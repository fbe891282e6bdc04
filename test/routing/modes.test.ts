import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/chat-model.ts';
import { buildRouterIndex, createEmbeddingsRouter, createRouter, route, trainingTexts, type AgentProfile, type RouteInput, type RouterIndex, type RoutingMode } from '../../src/routing/index.ts';
import { scriptedChatModel, startFakeEmbeddingsServer, type FakeEmbeddingsServer } from './fake-provider.ts';
import { OPTIONS, PROFILES } from './fixtures.ts';

const index = buildRouterIndex(PROFILES);
const input = (message: string, extra: Partial<RouteInput> = {}): RouteInput => ({ message, context: {}, index, defaultAgentId: 'general', options: OPTIONS, ...extra });

describe('embeddings mode', () => {
  let server: FakeEmbeddingsServer;
  beforeAll(async () => (server = await startFakeEmbeddingsServer()));
  afterAll(async () => server.close());

  const makeRouter = (fallbacks: unknown[] = [], timeoutMs = 2_000) =>
    createEmbeddingsRouter({ fetch, baseUrl: server.baseUrl, model: 'fake-embed', timeoutMs, onFallback: (_mode, error) => fallbacks.push(error) });

  it('routes with blended scores and embeds each example only once', async () => {
    server.behaviour = 'ok';
    const router = makeRouter();
    const first = await router.route(input('book a flight to rome next friday'));
    expect(first).toMatchObject({ agentId: 'travel', strategy: 'relevance' });
    const cached = router.cachedVectorCount;
    expect(cached).toBeGreaterThan(PROFILES.length * 6);
    const requestsBefore = server.requests.length;
    await router.route(input('give me a recipe for lasagna'));
    expect(server.requests.length).toBe(requestsBefore + 1);
    expect(server.requests.at(-1)).toEqual(['give me a recipe for lasagna']); // only the message
    expect(router.cachedVectorCount).toBe(cached);
  });

  it('embeds only the new texts after an agent changes', async () => {
    server.behaviour = 'ok';
    const router = makeRouter();
    await router.route(input('refund my invoice'));
    const changed = PROFILES.map((agent) => (agent.id === 'cooking' ? { ...agent, examples: [...agent.examples, 'how do i poach an egg'] } : agent));
    await router.route(input('poached eggs please', { index: buildRouterIndex(changed) }));
    // The message, then the one text the cache did not hold.
    expect(server.requests.at(-1)).toEqual(['poached eggs please', 'how do i poach an egg']);
  });

  it('forgets the vectors of texts that no live index has any more', async () => {
    server.behaviour = 'ok';
    v8.setFlagsFromString('--expose-gc');
    const collectGarbage = vm.runInNewContext('gc') as () => void;
    const distinctTexts = (profiles: AgentProfile[]) => new Set(profiles.flatMap((profile) => trainingTexts(profile))).size;
    const router = makeRouter();
    let previous: RouterIndex | undefined = buildRouterIndex(PROFILES);
    await router.route(input('refund my invoice', { index: previous }));
    const changed = PROFILES.map((agent) => (agent.id === 'cooking' ? { ...agent, examples: ['how do i poach an egg'] } : agent));
    const current = buildRouterIndex(changed);
    await router.route(input('poached eggs please', { index: current }));
    // Both indexes are alive: the texts of either are cached.
    expect(router.cachedVectorCount).toBeGreaterThan(distinctTexts(changed));
    previous = undefined; // the agent changed: the old index goes
    await expect
      .poll(async () => {
        collectGarbage();
        await new Promise((resolve) => setTimeout(resolve, 10));
        return router.cachedVectorCount;
      })
      .toBe(distinctTexts(changed));
    // The current index's texts stay: a message asks the provider for its own vector only.
    const before = server.requests.length;
    await router.route(input('a soft boiled egg', { index: current }));
    expect(server.requests.slice(before)).toEqual([['a soft boiled egg']]);
  });

  it('skips the provider for explicit and session decisions', async () => {
    const router = makeRouter();
    const before = server.requests.length;
    expect(await router.route(input('anything', { explicitAgentId: 'billing' }))).toMatchObject({ agentId: 'billing', strategy: 'explicit' });
    expect(await router.route(input('anything', { context: { sessionAgentId: 'travel' } }))).toMatchObject({ strategy: 'session' });
    expect(server.requests.length).toBe(before);
  });

  for (const behaviour of ['error-500', 'malformed-json', 'hang'] as const) {
    it(`falls back to the embedded decision on ${behaviour}`, async () => {
      server.behaviour = behaviour;
      const fallbacks: unknown[] = [];
      const router = makeRouter(fallbacks, 300);
      const message = 'is my flight to berlin delayed';
      expect(await router.route(input(message))).toEqual(route(input(message)));
      expect(fallbacks).toHaveLength(1);
      server.behaviour = 'ok';
    });
  }

  it('falls back when the provider is unreachable', async () => {
    const fallbacks: unknown[] = [];
    const router = createEmbeddingsRouter({ fetch, baseUrl: 'http://127.0.0.1:1/v1', model: 'fake-embed', timeoutMs: 500, onFallback: (_mode, error) => fallbacks.push(error) });
    expect(await router.route(input('refund my invoice'))).toEqual(route(input('refund my invoice')));
    expect(fallbacks).toHaveLength(1);
  });
});

describe('llm mode', () => {
  const unsure = 'explain quantum entanglement to a physicist';

  it('is not asked when the embedded router is confident', async () => {
    const chatModel = scriptedChatModel(() => ({ chunks: ['{"agentId":"billing","confidence":0.9}'] }));
    const router = createRouter('llm', { llm: { chatModel, model: 'fake-chat' } });
    expect(await router.route(input('book a flight to rome next friday'))).toMatchObject({ agentId: 'travel', strategy: 'relevance' });
    expect(chatModel.requests).toHaveLength(0);
  });

  it('chooses among the agents when the embedded router is unsure', async () => {
    const chatModel = scriptedChatModel(() => ({ chunks: ['{"agentId": "tra', 'vel", "confidence": 0.8}'] }));
    const router = createRouter('llm', { llm: { chatModel, model: 'fake-chat' } });
    const decision = await router.route(input(unsure));
    expect(decision).toMatchObject({ agentId: 'travel', strategy: 'relevance', confidence: 0.8 });
    expect(decision.candidates.length).toBeGreaterThan(0);
    expect(chatModel.requests[0].messages[0].content).toContain('"travel"');
    expect(chatModel.requests[0].temperature).toBe(0);
  });

  it('keeps the default when the model says none fits or is unsure', async () => {
    for (const answer of ['{"agentId": null, "confidence": 0}', '{"agentId": "travel", "confidence": 0.1}']) {
      const router = createRouter('llm', { llm: { chatModel: scriptedChatModel(() => ({ chunks: [answer] })), model: 'm' } });
      expect(await router.route(input(unsure))).toMatchObject({ agentId: 'general', strategy: 'default' });
    }
  });

  const failures: [string, () => { chunks?: string[]; error?: Error; stall?: boolean }][] = [
    ['invalid JSON', () => ({ chunks: ['I think travel'] })],
    ['a code-fenced answer', () => ({ chunks: ['```json\n{"agentId":"travel","confidence":0.9}\n```'] })],
    ['an unknown agent id', () => ({ chunks: ['{"agentId":"astronomy","confidence":0.9}'] })],
    ['a confidence out of range', () => ({ chunks: ['{"agentId":"travel","confidence":7}'] })],
    ['a provider error', () => ({ error: new ProviderError('http', 'upstream 500', { status: 500 }) })],
    ['a timeout', () => ({ chunks: ['{"agentId":'], stall: true })],
  ];
  for (const [label, script] of failures) {
    it(`falls back to the embedded decision on ${label}`, async () => {
      const fallbacks: [RoutingMode, unknown][] = [];
      const router = createRouter('llm', { llm: { chatModel: scriptedChatModel(script), model: 'm', timeoutMs: 200, onFallback: (mode, error) => fallbacks.push([mode, error]) } });
      expect(await router.route(input(unsure))).toEqual(route(input(unsure)));
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0][0]).toBe('llm');
    });
  }
});

describe('createRouter', () => {
  it('embedded mode is the pure router', async () => {
    expect(await createRouter('embedded').route(input('refund my invoice'))).toEqual(route(input('refund my invoice')));
  });
  it('rejects a stronger mode without its dependencies', () => {
    expect(() => createRouter('embeddings')).toThrow(/embeddings/);
    expect(() => createRouter('llm')).toThrow(/llm/);
    expect(() => createRouter('encoder')).toThrow(/encoder/);
  });
});
