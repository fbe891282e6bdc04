/**
 * The two ways bench/message-throughput.ts loads a server: autocannon with many connections
 * (throughput, and latency under load at autocannon's 1 ms resolution), and one keep-alive
 * connection sending requests one after another (latency without queueing, at 0.01 ms).
 */
import autocannon, { type AutocannonResult } from 'autocannon';
import { Agent, request } from 'node:http';
import { percentile, round } from './report.ts';

export interface LoadOptions {
  urls: string[];
  connections: number;
  durationSeconds: number;
  body: string;
  headers: Record<string, string>;
}

export interface LoadFigures {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Answers by HTTP status, e.g. { "200": 9000, "503": 12 }. */
  statusCodes: Record<string, number>;
}

export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const result: AutocannonResult = await autocannon({
    url: options.urls.length === 1 ? options.urls[0] : options.urls,
    connections: options.connections,
    duration: options.durationSeconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
  });
  return {
    requestsPerSecond: round(result.requests.total / result.duration, 1),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMeanMs: round(result.latency.mean, 2),
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count])),
  };
}

export interface SequentialFigures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

/** `count` requests, one at a time over one keep-alive connection, timed with performance.now(). */
export async function runSequential(url: string, options: { count: number; body: string; headers: Record<string, string> }): Promise<SequentialFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const send = () =>
    new Promise<number>((resolve, reject) => {
      const outgoing = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body), ...options.headers },
        },
        (response) => {
          response.on('data', () => undefined);
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(options.body);
    });
  const durations: number[] = [];
  let failures = 0;
  try {
    for (let index = 0; index < options.count; index += 1) {
      const started = performance.now();
      const status = await send();
      durations.push(performance.now() - started);
      if (status < 200 || status > 299) failures += 1;
    }
  } finally {
    agent.destroy();
  }
  durations.sort((left, right) => left - right);
  return { count: durations.length, p50Ms: round(percentile(durations, 0.5), 3), p99Ms: round(percentile(durations, 0.99), 3), failures };
}
