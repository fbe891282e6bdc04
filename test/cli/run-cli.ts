/** Runs `bin/fleetchat.js` as a user does: a real process, its exit code and what it printed. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliResult {
  /** The exit code; null when the process was killed (it ran past `timeoutMs`). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `env` goes over the test's own environment; no fleet file unless `FLEETCHAT_CONFIG` names one. */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/fleetchat.js', ...args], {
      env: { ...process.env, FLEETCHAT_CONFIG: '', ...env },
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; killed?: boolean; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' && !failed.killed ? failed.code : null, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
