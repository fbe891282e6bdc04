import { describe, expect, it } from 'vitest';
import { countTokens, countTurnTokens, estimateUsage, truncateToTokens } from '../../src/providers/tokens.ts';

describe('tokens', () => {
  it('counts o200k_base tokens', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(10);
    expect(countTokens(long)).toBe(101);
    // Second time from the cache, same answer.
    expect(countTokens(long)).toBe(101);
  });

  it('treats special-token text in user input as plain text instead of throwing', () => {
    expect(countTokens('hi <|endoftext|> there')).toBeGreaterThan(3);
  });

  it('estimates usage with per-message framing', () => {
    const messages = [
      { role: 'system' as const, content: 'hello world' },
      { role: 'user' as const, content: 'hello world' },
    ];
    expect(countTurnTokens(messages[0])).toBe(5);
    expect(estimateUsage(messages, 'hello world')).toEqual({ inputTokens: 3 + 5 + 5, outputTokens: 2 });
    expect(estimateUsage([], '')).toEqual({ inputTokens: 3, outputTokens: 0 });
  });

  it('truncates to a token budget', () => {
    const text = 'one two three four five six';
    expect(truncateToTokens(text, 100)).toBe(text);
    expect(countTokens(truncateToTokens(text, 3))).toBe(3);
    expect(text.startsWith(truncateToTokens(text, 3))).toBe(true);
  });

  it('is fast enough for the hot path', () => {
    const text = 'Summarize the top competitor moves from last week, please. '.repeat(40);
    const startedAt = performance.now();
    for (let index = 0; index < 200; index++) countTokens(`${index} ${text}`);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });
});
