/**
 * A fleetchat server (or a bare comparison server) in its own process, so the load generator in
 * the benchmark process and the server never share a core's event loop. Its output goes to a
 * log file in the run's temporary folder: the benchmark never spends time draining a pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { repositoryRoot } from './report.ts';

export const adminEmail = 'bench@localhost';
export const adminPassword = 'bench-password-not-secret';
/** Shared by every instance of one run; PostgreSQL deployments must set JWT_SECRET. */
export const benchJwtSecret = 'bench-jwt-secret-0123456789abcdefghijklmnop';

export function makeTemporaryFolder(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `fleetchat-bench-${label}-`));
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}

/** A port the kernel says is free right now (the child binds it a moment later). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  readonly pid: number;
  readonly url: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL if it has not stopped after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Script and arguments after `node`, e.g. ['bin/fleetchat.js', 'serve']. */
  argv: string[];
  env: Record<string, string>;
  port: number;
  /** Working folder of the child; also where its log file goes. */
  folder: string;
  logName?: string;
  /** Extra node flags, e.g. ['--cpu-prof']. */
  nodeFlags?: string[];
}

export function spawnServer(options: SpawnOptions): ChildServer {
  const logFile = path.join(options.folder, options.logName ?? 'server.log');
  const output = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...options.argv], {
    cwd: options.folder,
    // Only what the server needs from our environment: a stray DATABASE_URL or FLEETCHAT_CONFIG
    // in the shell must not change what is measured.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? options.folder, ...options.env, PORT: String(options.port) },
    stdio: ['ignore', output, output],
  });
  closeSync(output);
  if (child.pid === undefined) throw new Error(`could not start ${options.argv.join(' ')}`);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let finished = false;
  void exited.then(() => (finished = true));
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${options.port}`,
    child,
    logFile,
    exited,
    async stop(graceMs = 15_000) {
      if (finished) return;
      child.kill('SIGTERM');
      const outcome = await Promise.race([exited, delay(graceMs, 'timeout' as const)]);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** `node bin/fleetchat.js serve` with the benchmark's environment on top of `env`. */
/**
 * `profileDir`: run the server with --cpu-prof; the .cpuprofile file lands there when it stops
 * (open it in Chrome DevTools, or summarize it with bench/support/profile-summary.ts).
 */
export function spawnFleetchat(options: { env: Record<string, string>; port: number; folder: string; logName?: string; profileDir?: string; nodeFlags?: string[] }): ChildServer {
  return spawnServer({
    argv: [path.join(repositoryRoot, 'bin', 'fleetchat.js'), 'serve'],
    env: {
      HOST: '127.0.0.1',
      FLEETCHAT_ADMIN_EMAIL: adminEmail,
      FLEETCHAT_ADMIN_PASSWORD: adminPassword,
      JWT_SECRET: benchJwtSecret,
      RATE_LIMIT_MESSAGES_PER_MIN: '0',
      RATE_LIMIT_REQUESTS_PER_MIN: '0',
      RATE_LIMIT_LOGIN_PER_15MIN: '0',
      ...options.env,
    },
    port: options.port,
    folder: options.folder,
    logName: options.logName,
    nodeFlags: [...(options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.profileDir)}`]), ...(options.nodeFlags ?? [])],
  });
}

/** A TypeScript child script of bench/support run through tsx, like the server itself. */
export function spawnSupportScript(script: string, options: { port: number; folder: string; env?: Record<string, string> }): ChildServer {
  return spawnServer({
    // tsx resolved from this repository: the child's working folder is a temporary one.
    argv: ['--import', import.meta.resolve('tsx'), path.join(repositoryRoot, 'bench', 'support', script)],
    env: options.env ?? {},
    port: options.port,
    folder: options.folder,
    logName: `${path.basename(script, '.ts')}.log`,
  });
}

/**
 * Polls `path` until it answers 200; returns the milliseconds since `since` (a performance.now()
 * taken just before the spawn). Fails with the tail of the server's log if it exits first.
 */
export async function waitUntilHealthy(
  server: ChildServer,
  options: { since?: number; intervalMs?: number; timeoutMs?: number; path?: string } = {},
): Promise<number> {
  const since = options.since ?? performance.now();
  const deadline = since + (options.timeoutMs ?? 30_000);
  let exitedWith: number | string | undefined;
  void server.exited.then((code) => (exitedWith = code));
  while (performance.now() < deadline) {
    if (exitedWith !== undefined) throw new Error(`server exited (${exitedWith}) before it was healthy:\n${tail(server.logFile)}`);
    try {
      const response = await fetch(server.url + (options.path ?? '/api/health'), { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return performance.now() - since;
    } catch {
      // Not listening yet.
    }
    await delay(options.intervalMs ?? 10);
  }
  throw new Error(`server not healthy within ${options.timeoutMs ?? 30_000} ms:\n${tail(server.logFile)}`);
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resident set size of a process in KiB, from /proc (Linux only). */
export function residentKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB$/m);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** Soft limit on open files of this process, from /proc/self/limits. */
export function openFilesLimit(): number {
  const match = readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+|unlimited)/m);
  return match === null || match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

export async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: adminEmail, password: adminPassword }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || body.token === undefined) throw new Error(`login failed: ${response.status} ${body.error ?? ''}`);
  return body.token;
}

export async function agentIdByName(url: string, token: string, name?: string): Promise<string> {
  const response = await fetch(`${url}/api/agents?limit=100`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { data?: Array<{ id: string; name: string }> };
  const agent = name === undefined ? body.data?.[0] : body.data?.find((candidate) => candidate.name === name);
  if (agent === undefined) throw new Error(`no agent${name ? ` named ${name}` : ''} (GET /api/agents: ${response.status})`);
  return agent.id;
}
