/**
 * Durations as operators write them: `1h`, `15m`, `30s`, `7d`, combinations such as `1h30m`,
 * or a bare number of seconds (`3600`).
 */
import { ConfigError, quoteValue } from './config-error.ts';

const secondsPerUnit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds in `text`, or undefined when it is not a duration (no spaces, signs or fractions). */
export function tryParseDurationSeconds(text: string): number | undefined {
  if (/^\d+$/.test(text)) return safeInteger(Number(text));
  // Anchored on both ends and made only of `<digits><unit>` pairs, so "1h 30m", "1.5h" and
  // "h" are refused rather than half-read.
  if (!/^(\d+[smhd])+$/i.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+)([smhd])/gi)) {
    total += Number(match[1]) * secondsPerUnit[match[2].toLowerCase()];
  }
  return safeInteger(total);
}

/**
 * Seconds in `text`, at least one; otherwise a ConfigError naming `name` (a variable or a CLI
 * option such as `--ttl`) and what it accepts.
 */
export function parseDurationSeconds(text: string, name = 'the duration'): number {
  const seconds = tryParseDurationSeconds(text);
  if (seconds === undefined || seconds < 1) {
    throw new ConfigError(`${name} must be a duration such as 30s, 15m, 1h, 7d or a number of seconds (got ${quoteValue(text)})`);
  }
  return seconds;
}

function safeInteger(value: number): number | undefined {
  return Number.isSafeInteger(value) ? value : undefined;
}
