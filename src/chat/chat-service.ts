import { AppError, toAppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { AgentService } from '../agents/agent-service.ts';
import { utcDay } from '../agents/agent-view.ts';
import type { Principal } from '../auth/auth-service.ts';
import type { Coordination } from '../coordination/coordination.ts';
import { ProviderError } from '../providers/chat-model.ts';
import type { ModelStreamPart } from '../providers/fallback.ts';
import type { ChatTurn } from '../providers/chat-model.ts';
import type { Message, MessageFinal, NewSession, Store } from '../store/store.ts';
import type { AnswerEvent, AnswerHeader, AnswerInput, AnswerResult } from './events.ts';
import { checkBudget, checkText } from './guards.ts';
import { IDEMPOTENCY_TTL_MS, checkIdempotencyKey, idempotencyInProgress, idempotencyKeyReused, replayEvents, requestHash } from './idempotency.ts';
import type { ChatObserver } from './observer.ts';
import { promptOf, readPrompt } from './prompt.ts';
import { providerFailure } from './provider-failure.ts';
import { decisionOf, resolveTarget, type RouteMessage, type Target } from './target.ts';

/** streamWithFallbacks bound to the provider registry. */
export type StreamModel = (
  models: string[],
  request: { messages: ChatTurn[] },
  options: { signal: AbortSignal; timeoutMs: number; onAttempt?: (info: { model: string; outcome: 'ok' | 'error'; error?: ProviderError; durationMs: number }) => void },
) => AsyncIterable<ModelStreamPart>;

export interface ChatSettings {
  maxMessageChars: number;
  providerTimeoutMs: number;
  messagesPerMinute: number;
  recentWindowMs: number;
  /** How many answers may wait behind the one being answered in a session. */
  maxWaitingPerSession: number;
}

export interface ChatDeps {
  store: Store;
  agents: AgentService;
  coordination: Coordination;
  streamModel: StreamModel;
  route: RouteMessage;
  observer: ChatObserver;
  settings: ChatSettings;
}

/**
 * Running answers are registered under owner and message id, so only the owner can cancel one
 * and the coordination layer needs to know nothing of users.
 */
export const cancelKey = (userId: string, messageId: string): string => `${userId}:${messageId}`;

/** How long an answer may stream before its `streaming` row is written. */
const PERSIST_STREAMING_AFTER_MS = 100;


const titleOf = (message: string): string => message.trim().replace(/\s+/g, ' ').slice(0, 80);

/**
 * The answer pipeline, written once for every transport: a stream of events that POST renders
 * as one JSON body and the WebSocket and SSE render frame by frame.
 */
export class ChatService {
  readonly #deps: ChatDeps;
  /** The model calls running on this instance, so shutdown can cut whichever transport runs them. */
  readonly #controllers = new Set<AbortController>();
  #stopping = false;
  /** Pending retries of #finishLater. */
  readonly #retries = new Set<NodeJS.Timeout>();

  constructor(deps: ChatDeps) {
    this.#deps = deps;
  }

  /**
   * Where `input` would go if it were sent now, decided as `answer` decides (the session's owner
   * check included), with the router's candidates: nothing is stored and no model answers.
   */
  async preview(principal: Principal, input: Pick<AnswerInput, 'message' | 'agentId' | 'sessionId'>): Promise<Target> {
    checkText('message', input.message, { maxChars: this.#deps.settings.maxMessageChars });
    return resolveTarget(this.#deps, principal, { ...input, explainRouting: true });
  }

  /**
   * `options.controller`: the transport's controller, which it aborts when its client goes away.
   * The answer uses it as its own (a cancel or a shutdown aborts it too) rather than making a
   * second one linked to it: an AbortSignal costs about 5 µs to create on Node 20.
   */
  async *answer(principal: Principal, input: AnswerInput, options: { controller?: AbortController; receivedAt?: number } = {}): AsyncGenerator<AnswerEvent> {
    const { store, coordination, settings } = this.#deps;
    const receivedAt = options.receivedAt ?? performance.now();
    let claimedKey: string | undefined;
    try {
      checkText('message', input.message, { maxChars: settings.maxMessageChars });
      if (input.idempotencyKey !== undefined) {
        checkIdempotencyKey(input.idempotencyKey);
        const claim = await store.beginIdempotency({
          userId: principal.userId,
          key: input.idempotencyKey,
          requestHash: requestHash(input),
          now: new Date(),
          ttlMs: IDEMPOTENCY_TTL_MS,
        });
        if (claim.outcome === 'done') {
          yield* replayEvents(claim.response as AnswerResult);
          return;
        }
        if (claim.outcome === 'in_progress') throw idempotencyInProgress();
        if (claim.outcome === 'mismatch') throw idempotencyKeyReused();
        claimedKey = input.idempotencyKey;
      }
      const decision = await coordination.rateLimiter.hit(`messages:${principal.userId}`, settings.messagesPerMinute, 60_000);
      if (!decision.allowed) {
        const seconds = Math.max(1, Math.ceil(decision.resetMs / 1000));
        throw new AppError('RATE_LIMITED', `Too many messages: at most ${decision.limit} a minute; retry in ${seconds} s.`, {
          retryAfter: seconds,
          rateLimit: { limit: decision.limit, remaining: 0, resetSeconds: seconds },
        });
      }
      // The session's turn is taken before any lookup, so that answers keep the order in which
      // their messages arrived even when those lookups finish out of order (pooled database
      // connections). Ownership is checked inside the turn; a refusal releases it at once.
      // A new session cannot have anyone waiting on it yet: no lock needed.
      const lease =
        input.sessionId !== undefined
          ? await coordination.sessions.acquire(input.sessionId, { maxWaiting: settings.maxWaitingPerSession, signal: options.controller?.signal })
          : undefined;
      try {
        const target = await resolveTarget(this.#deps, principal, input);
        this.#deps.observer.routed(target.routedBy);
        await checkBudget(store, target.agent, new Date());
        for await (const event of this.#run(principal, input, target, receivedAt, options.controller ?? new AbortController())) {
          if (event.type === 'end') {
            // Before yielding: a consumer may stop reading at `end` (POST does).
            await lease?.release();
            if (claimedKey !== undefined) {
              const { type, ...body } = event;
              await store.completeIdempotency(principal.userId, claimedKey, 200, body);
              claimedKey = undefined;
            }
          }
          yield event;
        }
      } finally {
        await lease?.release();
      }
    } catch (error) {
      yield { type: 'error', error: toAppError(error) };
    } finally {
      if (claimedKey !== undefined) await store.releaseIdempotency(principal.userId, claimedKey).catch(() => undefined);
    }
  }

  /**
   * Shutdown past its drain time: cancels every answer running here (stored as incomplete, like
   * any cancel) and refuses the ones still waiting for their session's turn.
   */
  stop(reason = 'shutdown'): void {
    this.#stopping = true;
    for (const controller of this.#controllers) controller.abort(reason);
    for (const timer of this.#retries) clearTimeout(timer);
    this.#retries.clear();
  }

  /**
   * Finishes, once the store is reachable again, an answer row left `streaming` when the store went
   * away mid-answer (retried every second for up to 10 minutes; a restart's sweep covers the rest).
   */
  #finishLater(workspaceId: string, messageId: string, fields: MessageFinal, attemptsLeft = 600): void {
    const { store } = this.#deps;
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      (async () => {
        // Only a row still `streaming`: a completion whose commit went through unseen stays complete.
        const row = await store.getMessage(workspaceId, messageId);
        if (row?.status === 'streaming') await store.finishMessage(messageId, fields);
      })().catch(() => {
        if (attemptsLeft > 1 && !this.#stopping) this.#finishLater(workspaceId, messageId, fields, attemptsLeft - 1);
      });
    }, 1_000);
    timer.unref();
    this.#retries.add(timer);
  }

  /** Everything after the session's turn has come: store, prompt, call, store, count. */
  async *#run(principal: Principal, input: AnswerInput, target: Target, receivedAt: number, controller: AbortController): AsyncGenerator<AnswerEvent> {
    const { store, coordination, observer, settings } = this.#deps;
    const { agent } = target;
    if (this.#stopping) throw new AppError('UNAVAILABLE', 'The server is shutting down; send the message again in a moment.');
    const now = new Date();
    const newSession = target.session ? undefined : { id: newId(), workspaceId: principal.workspaceId, userId: principal.userId, agentId: agent.id, title: titleOf(input.message), now };
    const sessionId = target.session?.id ?? (newSession as NewSession).id;
    // Session (when new) and user message in one commit, before the model is called.
    const userMessage = await store.beginTurn({
      session: newSession,
      message: { id: newId(), sessionId, workspaceId: principal.workspaceId, userId: principal.userId, agentId: agent.id, role: 'user', content: input.message, status: 'complete', createdAt: now },
    });
    const session = { id: sessionId };
    const header: AnswerHeader = { sessionId: session.id, ...decisionOf(target), messageId: newId(), userMessageId: userMessage.id };
    // Cancellable before `start` goes out: a client may send the cancel as soon as it has the id.
    const unregister = coordination.cancels.register(cancelKey(principal.userId, header.messageId), (reason) => controller.abort(reason));
    this.#controllers.add(controller);

    let text = '';
    let seq = 0;
    let inserted: Promise<Message> | undefined;
    let finished = false;
    let answered!: { inputTokens: number; outputTokens: number; durationMs: number; model: string };
    const assistantRow = (content: string, status: 'streaming' | 'complete' | 'incomplete', figures: Partial<Message> = {}) => ({
      id: header.messageId,
      sessionId: session.id,
      workspaceId: principal.workspaceId,
      userId: principal.userId,
      agentId: agent.id,
      role: 'assistant' as const,
      content,
      status,
      routedBy: target.routedBy,
      createdAt: new Date(),
      ...figures,
    });
    // Stores what was streamed when the answer is cut short: cancel, disconnect, failure.
    const storePrefix = async (): Promise<void> => {
      const durationMs = Math.round(performance.now() - receivedAt);
      if (inserted) {
        await inserted;
        await store.finishMessage(header.messageId, { content: text, status: 'incomplete', inputTokens: null, outputTokens: null, model: null, durationMs });
      } else if (controller.signal.aborted || seq > 0) {
        await store.insertMessage(assistantRow(text, 'incomplete', { durationMs }));
      }
    };

    try {
      yield { type: 'start', ...header };
      const models = [agent.config.model.default, ...agent.config.model.fallbacks];
      // A session opened by this very message has nothing else to read.
      const turns = newSession ? promptOf(agent, [userMessage]) : await readPrompt(store, agent, session.id);
      let end: Extract<ModelStreamPart, { type: 'end' }> | undefined;
      const stream = this.#deps.streamModel(models, { messages: turns }, {
        signal: controller.signal,
        timeoutMs: settings.providerTimeoutMs,
        onAttempt: (info) =>
          observer.providerAttempt({ model: info.model, outcome: info.outcome, durationMs: info.durationMs, errorKind: info.error?.kind, error: info.error?.message, agentId: agent.id }),
      });
      for await (const part of stream) {
        // Parts read ahead of an abort were never streamed: the stored prefix must not have them.
        if (controller.signal.aborted) break;
        if (part.type === 'text-delta') {
          if (part.text.length === 0) continue;
          // An answer still streaming after a moment gets its row (in history as `streaming`),
          // so that a crash leaves it for the start-up sweep to mark `incomplete`. A quick
          // answer is written once, complete, at the end: half the writes on the fast path.
          if (!inserted && performance.now() - receivedAt >= PERSIST_STREAMING_AFTER_MS) {
            inserted = store.insertMessage(assistantRow('', 'streaming'));
            // Awaited only when the answer ends: a store gone meanwhile must not be an unhandled rejection.
            inserted.catch(() => undefined);
          }
          text += part.text;
          seq += 1;
          yield { type: 'delta', seq, text: part.text };
        } else if (part.type === 'end') {
          end = part;
        }
      }
      if (controller.signal.aborted) throw new ProviderError('aborted', 'cancelled');
      if (!end) throw new ProviderError('network', 'the model stream ended without a final event');
      const durationMs = Math.round(performance.now() - receivedAt);
      const final = { content: text, status: 'complete' as const, inputTokens: end.usage.inputTokens, outputTokens: end.usage.outputTokens, model: end.model, durationMs };
      const endedAt = new Date();
      if (inserted) await inserted;
      await store.completeAnswer({
        message: assistantRow(text, 'complete', final),
        streamed: inserted !== undefined,
        usage: { workspaceId: principal.workspaceId, agentId: agent.id, model: end.model, day: utcDay(endedAt), inputTokens: final.inputTokens, outputTokens: final.outputTokens, errors: 0, at: endedAt },
      });
      finished = true;
      answered = { inputTokens: final.inputTokens, outputTokens: final.outputTokens, durationMs, model: end.model };
    } catch (error) {
      finished = true;
      let failure = controller.signal.aborted ? new AppError('CANCELLED', 'The answer was cancelled.') : providerFailure(error);
      // The error names the assistant message only when one is (or will be) stored.
      let stored = seq > 0 || failure.code === 'CANCELLED';
      try {
        await storePrefix();
        if (failure.code !== 'CANCELLED') {
          const now = new Date();
          await store.addUsage({ workspaceId: principal.workspaceId, agentId: agent.id, model: agent.config.model.default, day: utcDay(now), inputTokens: 0, outputTokens: 0, errors: 1, at: now });
        }
      } catch (storeError) {
        // The store went away (503): a `streaming` row already written is finished once it is back.
        if (inserted) this.#finishLater(principal.workspaceId, header.messageId, { content: text, status: 'incomplete', inputTokens: null, outputTokens: null, model: null, durationMs: Math.round(performance.now() - receivedAt) });
        failure = toAppError(storeError);
        // storePrefix awaited the insert of the streaming row first, so it has settled.
        stored = inserted !== undefined && (await inserted.then(() => true, () => false));
      }
      observer.failed({ agentId: agent.id, code: failure.code });
      throw failure.withExtra({ sessionId: session.id, ...(stored ? { messageId: header.messageId } : {}) });
    } finally {
      unregister();
      this.#controllers.delete(controller);
      if (!finished) {
        // The consumer stopped reading (a transport gave up): cut the model and keep the prefix.
        controller.abort('abandoned');
        await storePrefix().catch(() => undefined);
      }
    }
    // The answer is stored: nothing after this point may report it as failed (a throwing
    // observer once turned a stored answer into a 500 and made the failure path store it again).
    try {
      observer.answered({ agentId: agent.id, agentName: agent.name, ...answered });
    } catch {
      // Metrics are best effort; the answer stands.
    }
    yield { type: 'end', ...header, response: text, ...answered };
  }
}
