/**
 * Token counting with the o200k_base encoding (GPT-4o and later). Other providers tokenize
 * differently, so these figures are estimates: used only when a provider reports no usage, and
 * for trimming a session's history to a model's context window.
 */
import { createRequire } from 'node:module';
import type { ChatTurn, Usage } from './chat-model.ts';

type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');

// The encoding's tables take ~60 MB and ~0.2 s to load: only when a count is first needed, not
// at start (most answers carry the provider's own usage, and short prompts need no trimming).
const require = createRequire(import.meta.url);
let encoding: Encoding | undefined;
const loadEncoding = (): Encoding => (encoding ??= require('gpt-tokenizer/encoding/o200k_base') as Encoding);
const countEncodedTokens: Encoding['countTokens'] = (text, options) => loadEncoding().countTokens(text, options);
const encode: Encoding['encode'] = (text, options) => loadEncoding().encode(text, options);
const decode: Encoding['decode'] = (tokens) => loadEncoding().decode(tokens);

// User text may contain `<|endoftext|>` and friends; the tokenizer throws on them by default.
// They are plain text to us, never control tokens.
const plainTextOptions = { disallowedSpecial: new Set<string>() };

/** Chat framing per message (role and separators), as OpenAI documents for its chat models. */
const tokensPerMessage = 3;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
const tokensPerReply = 3;

// The same history is counted again on every turn of a session (trimming, estimates, the mock),
// so long texts are remembered. Bounded by entry count and text length to cap memory.
const cacheMaximumEntries = 2_000;
const cacheMinimumLength = 64;
const cacheMaximumLength = 64_000;
const countCache = new Map<string, number>();

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length < cacheMinimumLength || text.length > cacheMaximumLength) {
    return countEncodedTokens(text, plainTextOptions);
  }
  const cached = countCache.get(text);
  if (cached !== undefined) return cached;
  const count = countEncodedTokens(text, plainTextOptions);
  // Map iteration order is insertion order: dropping the first key evicts the oldest entry.
  if (countCache.size >= cacheMaximumEntries) countCache.delete(countCache.keys().next().value!);
  countCache.set(text, count);
  return count;
}

/** Tokens one turn takes in a prompt, framing included: the unit for context trimming. */
export function countTurnTokens(turn: ChatTurn): number {
  return countTokens(turn.content) + tokensPerMessage;
}

/** Usage as a provider would have reported it, for providers that report none. */
export function estimateUsage(messages: ChatTurn[], output: string): Usage {
  let inputTokens = tokensPerReply;
  for (const turn of messages) inputTokens += countTurnTokens(turn);
  return { inputTokens, outputTokens: countTokens(output) };
}

/** The longest prefix of `text` within `maximumTokens` tokens (whole tokens, may cut a word). */
export function truncateToTokens(text: string, maximumTokens: number): string {
  const tokens = encode(text, plainTextOptions);
  if (tokens.length <= maximumTokens) return text;
  return decode(tokens.slice(0, Math.max(0, maximumTokens)));
}
