/**
 * The functions with the most self time in a V8 .cpuprofile (from --cpu-prof), as a table:
 *
 *   node --import tsx bench/support/profile-summary.ts FILE.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { printTable, round } from './report.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
if (positionals.length !== 1) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top 30]');
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicroseconds = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const node = byId.get(id);
  const delta = profile.timeDeltas[index] ?? 0;
  total += delta;
  if (node === undefined) return;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'}  ${url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/')}:${lineNumber + 1}`;
  selfMicroseconds.set(key, (selfMicroseconds.get(key) ?? 0) + delta);
});
const rows = [...selfMicroseconds.entries()].sort((left, right) => right[1] - left[1]).slice(0, Number(values.top));
printTable(
  ['self %', 'self ms', 'function  location'],
  rows.map(([key, microseconds]) => [round((100 * microseconds) / total, 1), round(microseconds / 1000, 0), key]),
);
