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

  it('counts ordinary text exactly as the whole text would be counted, also past the cache and piece sizes', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(3_000); // 135 000 characters
    expect(countTokens(prose)).toBe(30_001);
    expect(truncateToTokens(prose, 1_000_000)).toBe(prose);
    expect(countTokens(truncateToTokens(prose, 12_345))).toBe(12_345);
  });

  it('counts long runs of one kind of character in pieces: a message cannot stall the server', () => {
    // Counted whole, these took the tokenizer 0.5 to 5 s each (its merging is quadratic in a
    // run's length), blocking every other request; in pieces, milliseconds. The bound is
    // generous: it only has to fail for the quadratic behaviour.
    const runs = ['한'.repeat(32_000), 'ก'.repeat(32_000), ' '.repeat(32_000), '\n'.repeat(32_000), '!'.repeat(32_000), '😀'.repeat(16_000), '\u200d'.repeat(32_000), `a${'\u0301'.repeat(32_000)}`, 'x'.repeat(32_000)];
    const startedAt = performance.now();
    const counts = runs.map((text, index) => countTokens(`${text}${index}`));
    expect(performance.now() - startedAt).toBeLessThan(3_000);
    expect(counts[0]).toBe(32_001); // a syllable a token, and the digit
    expect(counts[8]).toBe(4_001); // eight x's a token, as counted whole
    expect(counts.every((count) => count > 0)).toBe(true);
    // An answer of megabytes: the first 256 Ki characters counted, the rest extrapolated.
    expect(countTokens('x'.repeat(5_000_000))).toBe(625_000);
    // Truncation stops at the budget, and never splits a surrogate pair.
    expect(truncateToTokens('한'.repeat(32_000), 100)).toBe('한'.repeat(100));
    expect(truncateToTokens('😀'.repeat(16_000), 10).isWellFormed()).toBe(true);
  });

  it('is fast enough for the hot path', () => {
    const text = 'Summarize the top competitor moves from last week, please. '.repeat(40);
    const startedAt = performance.now();
    for (let index = 0; index < 200; index++) countTokens(`${index} ${text}`);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });
});
