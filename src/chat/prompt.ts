import type { ChatTurn } from '../providers/chat-model.ts';
import { countTokens } from '../providers/tokens.ts';
import type { Agent, Message, Store } from '../store/store.ts';

/** Token counts of stored messages never change: remember them instead of re-encoding. */
const tokenCache = new Map<string, number>();
const TOKEN_CACHE_LIMIT = 50_000;

function tokensOf(key: string, text: string): number {
  let count = tokenCache.get(key);
  if (count === undefined) {
    count = countTokens(text) + 4; // a few tokens of per-turn framing, as providers count
    if (tokenCache.size >= TOKEN_CACHE_LIMIT) tokenCache.clear();
    tokenCache.set(key, count);
  }
  return count;
}

export interface PromptBuild {
  turns: ChatTurn[];
  /** True when older messages had to be left out to fit. */
  trimmed: boolean;
  /** True when `history` may not reach the session's first message (the caller may fetch more). */
  needsMore: boolean;
}

/**
 * SOUL as the system turn, then the session's messages oldest first, dropping from the oldest
 * end until the estimate fits `maxContextTokens`. The SOUL and the newest message are never
 * dropped, even if they alone exceed the budget: the provider then says so itself.
 */
export function buildPrompt(input: { soul: string; soulKey: string; history: Message[]; maxContextTokens: number; complete: boolean }): PromptBuild {
  const { soul, history, maxContextTokens } = input;
  // A token covers at least one UTF-8 byte, so a prompt within the budget in bytes (plus the
  // framing) fits without counting: the common case, and no tokenizer work on the hot path.
  let bytes = Buffer.byteLength(soul) + 4;
  for (const message of history) bytes += Buffer.byteLength(message.content) + 4;
  if (bytes <= maxContextTokens) {
    const turns: ChatTurn[] = soul ? [{ role: 'system', content: soul }] : [];
    for (const message of history) turns.push({ role: message.role, content: message.content });
    return { turns, trimmed: false, needsMore: !input.complete };
  }
  let budget = maxContextTokens - (soul ? tokensOf(input.soulKey, soul) : 0);
  let first = history.length;
  while (first > 0) {
    const message = history[first - 1];
    const cost = tokensOf(message.id, message.content);
    if (cost > budget && first < history.length) break;
    budget -= cost;
    first -= 1;
  }
  const turns: ChatTurn[] = [];
  if (soul) turns.push({ role: 'system', content: soul });
  for (let index = first; index < history.length; index += 1) {
    const message = history[index];
    turns.push({ role: message.role, content: message.content });
  }
  return { turns, trimmed: first > 0, needsMore: first === 0 && !input.complete };
}

/** Messages read for the prompt at first; more only when they all fit the context budget. */
const PROMPT_PAGES = [64, 512, 4096];

const soulKeyOf = (agent: Agent): string => `soul:${agent.id}:${agent.updatedAt.getTime()}`;

/** The prompt for a history already in hand (a session opened by this very message). */
export function promptOf(agent: Agent, history: Message[]): ChatTurn[] {
  return buildPrompt({ soul: agent.soul, soulKey: soulKeyOf(agent), history, maxContextTokens: agent.config.session.maxContextTokens, complete: true }).turns;
}

/** The prompt of a session: its newest messages, read in growing pages until they are enough. */
export async function readPrompt(store: Store, agent: Agent, sessionId: string): Promise<ChatTurn[]> {
  for (const limit of PROMPT_PAGES) {
    const history = await store.recentSessionMessages(sessionId, limit);
    const complete = history.length < limit || limit === PROMPT_PAGES[PROMPT_PAGES.length - 1];
    const prompt = buildPrompt({ soul: agent.soul, soulKey: soulKeyOf(agent), history, maxContextTokens: agent.config.session.maxContextTokens, complete });
    if (!prompt.needsMore) return prompt.turns;
  }
  throw new Error('unreachable: the last prompt page is always complete');
}
