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
// so long texts are remembered, up to the longest SOUL an agent may have. Bounded by entry count
// and by the characters held, to cap memory.
const cacheMaximumEntries = 2_000;
const cacheMaximumChars = 4_000_000;
const cacheMinimumLength = 64;
const cacheMaximumLength = 100_000;
const countCache = new Map<string, number>();
let cachedChars = 0;

/**
 * The tokenizer's byte-pair merging costs the square of a word's length, and a "word" is any run
 * of one kind of character: 32 000 Hangul syllables, spaces, emoji or "!" without a break cost it
 * 0.5–5 s of blocked event loop (one message could stall the instance). So the text is counted in
 * pieces: runs of at most `longestRun` characters (a space and the word after it, as the
 * tokenizer splits them, so ordinary text counts exactly as whole), gathered into pieces of at
 * most `longestPiece`; a longer run is cut every `longestRun` characters, which may add a token
 * per cut. Beyond `longestCounted` characters (an answer megabytes long) the first part is
 * counted and the rest extrapolated: bounded work per count, whatever the text.
 */
const longestRun = 64;
const longestPiece = 4_096;
const longestCounted = 262_144;
const runs = /\s*\S+|\s+/g;

function* pieces(text: string): Generator<string> {
  let start = 0;
  let end = 0;
  for (const match of text.matchAll(runs)) {
    const run = match[0];
    if (run.length <= longestRun) {
      if (end + run.length - start > longestPiece) {
        yield text.slice(start, end);
        start = end;
      }
      end += run.length;
      continue;
    }
    if (end > start) yield text.slice(start, end);
    for (let cut = end; cut < end + run.length; ) {
      let next = Math.min(end + run.length, cut + longestRun);
      // Never between the two halves of a surrogate pair.
      if (next < end + run.length && isLowSurrogate(text.charCodeAt(next))) next -= 1;
      yield text.slice(cut, next);
      cut = next;
    }
    start = end += run.length;
  }
  if (end > start) yield text.slice(start, end);
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

function countInPieces(text: string): number {
  const counted = text.length > longestCounted ? text.slice(0, longestCounted - (isLowSurrogate(text.charCodeAt(longestCounted)) ? 1 : 0)) : text;
  let count = 0;
  for (const piece of pieces(counted)) count += countEncodedTokens(piece, plainTextOptions);
  return counted.length === text.length ? count : Math.round((count * text.length) / counted.length);
}

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length < cacheMinimumLength || text.length > cacheMaximumLength) return countInPieces(text);
  const cached = countCache.get(text);
  if (cached !== undefined) return cached;
  const count = countInPieces(text);
  // Map iteration order is insertion order: dropping the first key evicts the oldest entry.
  while (countCache.size >= cacheMaximumEntries || (countCache.size > 0 && cachedChars + text.length > cacheMaximumChars)) {
    const oldest = countCache.keys().next().value!;
    countCache.delete(oldest);
    cachedChars -= oldest.length;
  }
  countCache.set(text, count);
  cachedChars += text.length;
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
  // Piece by piece (see pieces), so that the work stops at the budget and stays linear.
  let kept = '';
  let left = Math.max(0, maximumTokens);
  for (const piece of pieces(text)) {
    const tokens = encode(piece, plainTextOptions);
    if (tokens.length > left) return kept + decode(tokens.slice(0, left));
    kept += piece;
    left -= tokens.length;
  }
  return text;
}
