/**
 * What one token count costs (src/providers/tokens.ts) for the texts that once blocked the event
 * loop: 32 000-character runs of one kind of character, and a 5 MB answer, beside ordinary prose
 * and code. Each text is counted `--runs` times, each time with a different last character so the
 * count cache never answers; the median and the worst are reported in milliseconds.
 *
 *   node --import tsx bench/token-counting.ts [--runs 5]
 */
import { parseArgs } from 'node:util';
import { countTokens } from '../src/providers/tokens.ts';
import { describeMachine, median, printMachine, printTable, round, writeResult } from './support/report.ts';

const { values: options } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(options.runs);

const texts: Array<[string, string]> = [
  ['prose, 31 500 chars', 'The quick brown fox jumps over the lazy dog. '.repeat(700)],
  ['code, 26 400 chars', 'function f(a, b) {\n  return a + b; // sum\n}\n'.repeat(600)],
  ['Hangul run, 32 000', '한'.repeat(32_000)],
  ['Thai run, 32 000', 'ก'.repeat(32_000)],
  ['emoji run, 16 000', '😀'.repeat(16_000)],
  ['zero-width joiners, 32 000', '\u200d'.repeat(32_000)],
  ['spaces, 32 000', ' '.repeat(32_000)],
  ['"!", 32 000', '!'.repeat(32_000)],
  ['"x", 32 000', 'x'.repeat(32_000)],
  ['"x", 5 000 000', 'x'.repeat(5_000_000)],
];

const machine = describeMachine();
printMachine(machine);
const rows: Array<Array<string | number>> = [];
const result: Record<string, { medianMs: number; worstMs: number }> = {};
for (const [name, text] of texts) {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const startedAt = performance.now();
    countTokens(`${text}${run}`);
    times.push(performance.now() - startedAt);
  }
  result[name] = { medianMs: round(median(times)), worstMs: round(Math.max(...times)) };
  rows.push([name, result[name].medianMs, result[name].worstMs]);
}
printTable(['text', 'median ms', 'worst ms'], rows);
console.log(`written: ${writeResult('token-counting', { machine, runs, result })}`);
