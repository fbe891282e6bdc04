/**
 * What every benchmark prints and writes: the machine it ran on, a plain-text table, and a small
 * JSON file under bench/results/ that docs/PERFORMANCE.md quotes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const resultsFolder = path.join(repositoryRoot, 'bench', 'results');

export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** 1-minute load average when the benchmark started: above the core count, other work competed. */
  loadAverageAtStart: number;
  gitCommit?: string;
}

export function describeMachine(): MachineInfo {
  const cpuModel = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let gitCommit: string | undefined;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repositoryRoot, encoding: 'utf8' }).trim();
  } catch {
    // Not a checkout: the JSON simply has no commit.
  }
  return {
    date: new Date().toISOString(),
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
    gitCommit,
  };
}

export function printMachine(machine: MachineInfo): void {
  console.log(
    `${machine.date} · ${machine.cores} × ${machine.cpuModel} · ${machine.memoryGiB} GiB · Node ${machine.node} · load ${machine.loadAverageAtStart}` +
      (machine.loadAverageAtStart > machine.cores ? '  (busy machine: figures are indicative only)' : ''),
  );
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((left, right) => left - right), 0.5);
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function printTable(header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? String(cell) : cell)))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const numeric = header.map((_, column) => rows.every((row) => typeof row[column] === 'number'));
  const line = (row: string[]) =>
    row.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ');
  console.log(line(cells[0]));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

export function printTargets(checks: TargetCheck[]): void {
  printTable(
    ['target', 'measured', 'met'],
    checks.map((check) => [check.target, check.measured, check.met ? 'yes' : 'NO']),
  );
}

/** Writes bench/results/<name>.json and returns its path relative to the repository. */
export function writeResult(name: string, result: Record<string, unknown>): string {
  mkdirSync(resultsFolder, { recursive: true });
  const file = path.join(resultsFolder, `${name}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return path.relative(repositoryRoot, file);
}
