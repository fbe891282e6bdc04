import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChatObserver } from '../chat/observer.ts';

/**
 * Prometheus metrics on a registry of our own (not prom-client's global one), so that several
 * apps in one process, as in tests, never collide.
 */
export class Metrics implements ChatObserver {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #requestSeconds: Histogram<'method' | 'route'>;
  readonly #answerSeconds: Histogram<'agent'>;
  readonly #answerFailures: Counter<'agent' | 'code'>;
  readonly #providerSeconds: Histogram<'model' | 'outcome'>;
  readonly #providerErrors: Counter<'model' | 'kind'>;
  readonly #tokens: Counter<'agent' | 'direction'>;
  readonly #routing: Counter<'strategy'>;
  readonly #routingFallbacks: Counter<'mode'>;
  readonly #wsFrames: Counter<'direction'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'fleetchat_' });
    this.#requests = new Counter({ name: 'fleetchat_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers });
    this.#requestSeconds = new Histogram({
      name: 'fleetchat_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.#answerSeconds = new Histogram({
      name: 'fleetchat_answer_duration_seconds',
      help: 'Time from request to complete answer, by agent',
      labelNames: ['agent'],
      buckets: [0.005, 0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.#answerFailures = new Counter({ name: 'fleetchat_answer_failures_total', help: 'Answers that ended in an error, by code', labelNames: ['agent', 'code'], registers });
    this.#providerSeconds = new Histogram({
      name: 'fleetchat_provider_request_duration_seconds',
      help: 'Model provider call duration per attempt, by model and outcome',
      labelNames: ['model', 'outcome'],
      buckets: [0.005, 0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.#providerErrors = new Counter({ name: 'fleetchat_provider_errors_total', help: 'Failed model provider attempts, by model and kind', labelNames: ['model', 'kind'], registers });
    this.#tokens = new Counter({ name: 'fleetchat_tokens_total', help: 'Tokens by agent and direction (input/output)', labelNames: ['agent', 'direction'], registers });
    this.#routing = new Counter({ name: 'fleetchat_routing_decisions_total', help: 'Agent choices by routing strategy', labelNames: ['strategy'], registers });
    this.#routingFallbacks = new Counter({ name: 'fleetchat_routing_fallbacks_total', help: 'Embeddings, encoder or llm routing decisions that fell back to the embedded router (error, timeout, or the encoder busy)', labelNames: ['mode'], registers });
    this.#wsFrames = new Counter({ name: 'fleetchat_ws_frames_total', help: 'WebSocket frames by direction', labelNames: ['direction'], registers });
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.#requests.inc({ method, route, status: String(status) });
    this.#requestSeconds.observe({ method, route }, seconds);
  }

  wsFrame(direction: 'in' | 'out', count = 1): void {
    this.#wsFrames.inc({ direction }, count);
  }

  routed(strategy: string): void {
    this.#routing.inc({ strategy });
  }

  routingFallback(mode: string): void {
    this.#routingFallbacks.inc({ mode });
  }

  answered(info: { agentName: string; inputTokens: number; outputTokens: number; durationMs: number }): void {
    this.#answerSeconds.observe({ agent: info.agentName }, info.durationMs / 1000);
    this.#tokens.inc({ agent: info.agentName, direction: 'input' }, info.inputTokens);
    this.#tokens.inc({ agent: info.agentName, direction: 'output' }, info.outputTokens);
  }

  failed(info: { agentId: string; code: string }): void {
    this.#answerFailures.inc({ agent: info.agentId, code: info.code });
  }

  providerAttempt(info: { model: string; outcome: 'ok' | 'error'; durationMs: number; errorKind?: string }): void {
    this.#providerSeconds.observe({ model: info.model, outcome: info.outcome }, info.durationMs / 1000);
    if (info.outcome === 'error') this.#providerErrors.inc({ model: info.model, kind: info.errorKind ?? 'unknown' });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
