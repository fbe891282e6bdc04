import { describe, expect, it } from 'vitest';
import { buildRouterIndex, DEFAULT_THRESHOLD, formatDecision, isShortFollowUp, route, scoreMessage } from '../../src/routing/index.ts';
import { OPTIONS, PROFILES, profile } from './fixtures.ts';

const index = buildRouterIndex(PROFILES);
const decide = (message: string, extra: Partial<Parameters<typeof route>[0]> = {}) =>
  route({ message, context: {}, index, defaultAgentId: 'general', options: OPTIONS, ...extra });

describe('strategy order', () => {
  it('explicit wins over everything', () => {
    const decision = decide('book a flight to rome', { explicitAgentId: 'cooking', context: { sessionAgentId: 'billing' } });
    expect(decision).toMatchObject({ agentId: 'cooking', strategy: 'explicit', confidence: 1 });
  });
  it('session wins over relevance', () => {
    expect(decide('book a flight to rome', { context: { sessionAgentId: 'billing' } })).toMatchObject({ agentId: 'billing', strategy: 'session' });
  });
  it('relevance picks the matching agent when confident', () => {
    const decision = decide('please book me a flight to madrid on monday');
    expect(decision).toMatchObject({ agentId: 'travel', strategy: 'relevance' });
    expect(decision.confidence).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });
  it('relevance beats a recent session when confident', () => {
    const decision = decide('give me a recipe for banana bread', { context: { latestSession: { agentId: 'travel', ageMs: 1_000 } } });
    expect(decision).toMatchObject({ agentId: 'cooking', strategy: 'relevance' });
  });
});

describe('recent follow-ups', () => {
  const latest = (ageMs: number) => ({ latestSession: { agentId: 'travel', ageMs } });
  it('a short unclear follow-up goes to the latest session agent inside the window', () => {
    expect(decide('and last month?', { context: latest(60_000) })).toMatchObject({ agentId: 'travel', strategy: 'recent' });
  });
  it('goes to the default agent once the window has passed', () => {
    expect(decide('and last month?', { context: latest(OPTIONS.recentWindowMs + 1) })).toMatchObject({ agentId: 'general', strategy: 'default' });
  });
  it('the window boundary is inclusive', () => {
    expect(decide('what about tomorrow', { context: latest(OPTIONS.recentWindowMs) }).strategy).toBe('recent');
  });
  it('a long unrelated message is not a follow-up', () => {
    const message = 'who won the football world cup final in the year nineteen hundred and sixty six anyway';
    expect(decide(message, { context: latest(1_000) })).toMatchObject({ agentId: 'general', strategy: 'default' });
  });
  it('uses the previous message as context when there is no recent session', () => {
    const decision = decide('and on friday?', { context: { recentMessages: ['book a flight to rome next week'] } });
    expect(decision).toMatchObject({ agentId: 'travel', strategy: 'relevance' });
  });
  it('recognises follow-ups', () => {
    expect(isShortFollowUp('and last month?')).toBe(true);
    expect(isShortFollowUp('what about the one in berlin instead of that')).toBe(true);
    expect(isShortFollowUp('')).toBe(false);
    expect(isShortFollowUp('please explain to me in detail how the tax rules for freelancers changed this year')).toBe(false);
  });
});

describe('default and calibration', () => {
  it('sends unclear messages to the default agent', () => {
    expect(decide('explain quantum entanglement to a physicist')).toMatchObject({ agentId: 'general', strategy: 'default' });
  });
  it('keeps every score within [0, 1], summing to at most 1', () => {
    for (const message of ['refund my invoice', 'zzzz', '', 'flight hotel recipe invoice', '🙂']) {
      const scores = scoreMessage(index, message);
      expect(scores).toHaveLength(PROFILES.length);
      for (const { score } of scores) expect(score).toBeGreaterThanOrEqual(0), expect(score).toBeLessThanOrEqual(1);
      expect(scores.reduce((sum, { score }) => sum + score, 0)).toBeLessThanOrEqual(1.001);
    }
  });
  it('a threshold of 0 always trusts relevance, 1 never does', () => {
    expect(decide('zzzz qqqq', { options: { ...OPTIONS, threshold: 0 } }).strategy).toBe('relevance');
    expect(decide('book a flight to rome', { options: { ...OPTIONS, threshold: 1.01 } }).strategy).toBe('default');
  });
  it('an empty message has no preference', () => {
    const scores = scoreMessage(index, '');
    expect(new Set(scores.map(({ score }) => score)).size).toBe(1);
  });
});

describe('candidates, determinism, rebuild', () => {
  it('lists the top candidates best first, even for explicit decisions', () => {
    const decision = decide('is my flight delayed', { explicitAgentId: 'billing', options: { ...OPTIONS, maxCandidates: 2 } });
    expect(decision.candidates).toHaveLength(2);
    expect(decision.candidates[0].agentId).toBe('travel');
    expect(decision.candidates[0].score).toBeGreaterThanOrEqual(decision.candidates[1].score);
  });
  it('is deterministic across rebuilds', () => {
    const again = buildRouterIndex(PROFILES.map((agent) => ({ ...agent })));
    expect(again.fingerprint).toBe(index.fingerprint);
    for (const message of ['refund please', 'hotel in lyon', 'bake a pie']) expect(scoreMessage(again, message)).toEqual(scoreMessage(index, message));
  });
  it('learns a changed agent after a rebuild', () => {
    const message = 'what is the weather in oslo tomorrow';
    expect(decide(message).agentId).not.toBe('weather');
    const changed = [...PROFILES, profile('weather', 'Forecasts and weather.', ['what is the weather today', 'will it rain in london tomorrow', 'weather forecast for the weekend', 'how cold will it be tonight'])];
    const rebuilt = buildRouterIndex(changed);
    expect(rebuilt.fingerprint).not.toBe(index.fingerprint);
    expect(route({ message, context: {}, index: rebuilt, defaultAgentId: 'general', options: OPTIONS }).agentId).toBe('weather');
  });
  it('uses keywords, role and description as well as examples', () => {
    const withKeywords = buildRouterIndex([...PROFILES, profile('legal', 'Contracts and compliance.', [], { keywords: ['gdpr', 'nda'], role: 'Legal counsel' })]);
    expect(scoreMessage(withKeywords, 'review this nda and gdpr clause')[0].agentId).toBe('legal');
  });
});

describe('edge cases', () => {
  it('no agents: default, no candidates', () => {
    const empty = buildRouterIndex([]);
    expect(scoreMessage(empty, 'hello')).toEqual([]);
    expect(route({ message: 'hello', context: {}, index: empty, defaultAgentId: 'general', options: OPTIONS })).toEqual({ agentId: 'general', strategy: 'default', confidence: 0, candidates: [] });
  });
  it('one agent: confident only on what it knows', () => {
    const single = buildRouterIndex([PROFILES[1]]);
    const run = (message: string) => route({ message, context: {}, index: single, defaultAgentId: 'general', options: OPTIONS });
    expect(run('book a flight to rome next friday')).toMatchObject({ agentId: 'travel', strategy: 'relevance' });
    expect(run('explain the offside rule in football')).toMatchObject({ agentId: 'general', strategy: 'default' });
  });
  it('handles unicode, emoji and very long messages', () => {
    expect(decide('Réservez un vol pour Rome ✈️ flight booking please 🙏').agentId).toBe('travel');
    expect(() => decide('🙂🙃😉'.repeat(50))).not.toThrow();
    expect(() => decide('日本語のメッセージです')).not.toThrow();
    const long = 'give me a recipe for lasagna '.repeat(10_000);
    const started = performance.now();
    expect(decide(long).agentId).toBe('cooking');
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('formatDecision', () => {
  it('prints the agent, strategy, confidence and candidates', () => {
    const text = formatDecision(decide('is my flight delayed'), new Map([['travel', { name: 'Travel Agent' }]]));
    expect(text).toMatch(/agent: +Travel Agent \(travel\)/);
    expect(text).toMatch(/strategy: +relevance/);
    expect(text).toMatch(/confidence: +0\.\d\d|confidence: +1\.00/);
    expect(text.split('\n').filter((line) => /^\s+\d\. /.test(line))).toHaveLength(3);
  });
});
