/**
 * The built-in offline model: deterministic (the same request gives the same answer), streamed
 * in word-group chunks, with token counts from the tokenizer. It backs the demo fleet, tests
 * and benchmarks, and says in every answer that it is a mock so nobody mistakes it for a model.
 */
import {
  ProviderError,
  type ChatModel,
  type ChatRequest,
  type ChatStreamPart,
  type ChatTurn,
  type FinishReason,
} from '../chat-model.ts';
import { countTokens, estimateUsage, truncateToTokens } from '../tokens.ts';

export interface MockChatModelOptions {
  /** The provider name as configured; default `mock`. */
  provider?: string;
  /** Delay before the first chunk, in milliseconds; default 0. */
  latencyMs?: number;
  /** Delay between chunks, in milliseconds; default 0. */
  chunkDelayMs?: number;
  /** Lengthen every answer to at least this many words (with the closing sentences, in turn). */
  answerWords?: number;
}

/** Words per streamed chunk: enough chunks to exercise streaming, few enough to stay cheap. */
const wordsPerChunk = 3;
/** How much of the user's message the answer quotes back. */
const excerptLimit = 120;

const closingSentences = [
  'This answer was generated offline, without calling a real model.',
  'Configure an OpenAI or Anthropic provider to get real answers.',
  'The mock provider is deterministic: the same conversation gives the same reply.',
  'Nothing was sent to any external service to produce this reply.',
  'Token counts for this reply come from a local tokenizer.',
  'Replace this model in the fleet file when you are ready for real answers.',
  'This reply is streamed in small chunks, like a real model would.',
  'Mock answers are useful for demos, tests and benchmarks.',
];

export class MockChatModel implements ChatModel {
  readonly provider: string;
  private readonly latencyMs: number;
  private readonly chunkDelayMs: number;
  private readonly answerWords: number;

  constructor(options: MockChatModelOptions = {}) {
    this.provider = options.provider ?? 'mock';
    this.latencyMs = options.latencyMs ?? 0;
    this.chunkDelayMs = options.chunkDelayMs ?? 0;
    this.answerWords = options.answerWords ?? 0;
  }

  async *stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatStreamPart> {
    throwIfAborted(signal, this.provider);
    let answer = lengthen(composeAnswer(request.model, request.messages), this.answerWords);
    let finishReason: FinishReason = 'stop';
    if (request.maxOutputTokens !== undefined && countTokens(answer) > request.maxOutputTokens) {
      answer = truncateToTokens(answer, request.maxOutputTokens);
      finishReason = 'length';
    }
    if (this.latencyMs > 0) await sleep(this.latencyMs, signal, this.provider);

    // With no delays nothing here waits on a timer: the benchmark path costs only the
    // generator steps themselves.
    const chunks = splitIntoChunks(answer);
    for (let index = 0; index < chunks.length; index++) {
      if (index > 0 && this.chunkDelayMs > 0) await sleep(this.chunkDelayMs, signal, this.provider);
      throwIfAborted(signal, this.provider);
      yield { type: 'text-delta', text: chunks[index] };
    }
    throwIfAborted(signal, this.provider);
    yield { type: 'end', usage: estimateUsage(request.messages, answer), finishReason };
  }
}

/** `[mock model <id>] You said: "<excerpt>". <sentence picked by a hash of the whole request>` */
export function composeAnswer(modelId: string, messages: ChatTurn[]): string {
  let lastUserMessage: string | undefined;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index].role === 'user') {
      lastUserMessage = messages[index].content;
      break;
    }
  }
  const collapsed = (lastUserMessage ?? '').replace(/\s+/g, ' ').trim();
  const excerpt = collapsed.length > excerptLimit ? `${collapsed.slice(0, excerptLimit)}…` : collapsed;
  const said = excerpt === '' ? 'You sent no message.' : `You said: "${excerpt}".`;
  const sentence = closingSentences[hashRequest(modelId, messages) % closingSentences.length];
  return `[mock model ${modelId}] ${said} ${sentence}`;
}

/** Appends the closing sentences, in turn, until the answer has at least `words` words. */
export function lengthen(answer: string, words: number): string {
  let count = answer.split(/\s+/).length;
  let next = 0;
  while (count < words) {
    const sentence = closingSentences[next++ % closingSentences.length];
    answer += ` ${sentence}`;
    count += sentence.split(' ').length;
  }
  return answer;
}

/** FNV-1a over the model id and every turn: cheap, stable across runs and processes. */
function hashRequest(modelId: string, messages: ChatTurn[]): number {
  let hash = 0x811c9dc5;
  const mix = (text: string): void => {
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
    // A separator, so ("ab", "c") and ("a", "bc") hash differently.
    hash ^= 0xff;
    hash = Math.imul(hash, 0x01000193);
  };
  mix(modelId);
  for (const turn of messages) {
    mix(turn.role);
    mix(turn.content);
  }
  return hash >>> 0;
}

/** Groups of `wordsPerChunk` words, each keeping its trailing space, so the chunks join back exactly. */
export function splitIntoChunks(text: string): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [text];
  const chunks: string[] = [];
  for (let index = 0; index < words.length; index += wordsPerChunk) {
    chunks.push(words.slice(index, index + wordsPerChunk).join(''));
  }
  return chunks;
}

function throwIfAborted(signal: AbortSignal, provider: string): void {
  if (signal.aborted) throw new ProviderError('aborted', `${provider}: request aborted`, { cause: signal.reason });
}

function sleep(milliseconds: number, signal: AbortSignal, provider: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ProviderError('aborted', `${provider}: request aborted`, { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ProviderError('aborted', `${provider}: request aborted`, { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
