/**
 * A real `fleetchat serve` process, for the suites that need what only a process has: a start-up
 * race between instances, a signal, a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  process: ChildProcess;
  /** The URL it printed on its "listening on" line. */
  url: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | string | null>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

/** Starts `bin/fleetchat.js serve` with `env` over the test's own; resolves once it listens. */
export function startServerProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['bin/fleetchat.js', 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleetchat serve did not start within ${timeoutMs} ms:\n${printed}`));
    }, timeoutMs);
    const settle = (url: string) => {
      clearTimeout(timer);
      resolve({
        process: child,
        url,
        output: () => printed,
        exited,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout.on('data', (data: Buffer) => {
      printed += data.toString();
      const match = /listening on (http:\/\/\S+)/.exec(printed);
      if (match) settle(match[1]);
    });
    child.stderr.on('data', (data: Buffer) => (printed += data.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`fleetchat serve exited with ${code} before listening:\n${printed}`));
    });
  });
}
