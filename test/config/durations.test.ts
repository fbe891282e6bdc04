import { describe, expect, it } from 'vitest';
import { tryParseDurationSeconds } from '../../src/config/durations.ts';
import { ConfigError, parseDurationSeconds } from '../../src/config/index.ts';

describe('durations', () => {
  it.each([
    ['1h', 3600],
    ['15m', 900],
    ['30s', 30],
    ['3600', 3600],
    ['7d', 604_800],
    ['1h30m', 5400],
    ['2H', 7200],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(tryParseDurationSeconds(text)).toBe(seconds);
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', ' 1h', '1h ', '1.5h', '-5', '+5', 'h', '1 h', '1w', '1h 30m', '5x', '1e3', '99999999999999999999'])(
    'refuses %j',
    (text) => {
      expect(tryParseDurationSeconds(text)).toBeUndefined();
    },
  );

  it('reads 0 but parseDurationSeconds wants at least a second', () => {
    expect(tryParseDurationSeconds('0')).toBe(0);
    expect(() => parseDurationSeconds('0', '--ttl')).toThrow(ConfigError);
  });

  it('names the option in its one-line error', () => {
    expect(() => parseDurationSeconds('soon', '--ttl')).toThrow(
      '--ttl must be a duration such as 30s, 15m, 1h, 7d or a number of seconds (got "soon")',
    );
  });
});
