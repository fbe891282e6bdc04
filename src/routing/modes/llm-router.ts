/**
 * `routing.mode: llm`: when the embedded router is unsure (it would answer `recent` or
 * `default`), a configured chat model chooses among the agents and must answer with exactly
 * `{"agentId": "...", "confidence": 0..1}`. Anything else (invalid JSON, an unknown agent, an
 * error, a timeout) leaves the embedded decision in place: the model can only add certainty.
 */
import type { ChatModel, ChatTurn } from '../../providers/chat-model.ts';
import { DEFAULT_THRESHOLD, indexProfiles, scoreMessage } from '../router-index.ts';
import { route } from '../route.ts';
import type { AgentProfile, RouteInput, RoutingDecision } from '../types.ts';
import { withTimeout, type AsyncRouter, type FallbackListener } from './async-router.ts';

export interface LlmRouterOptions {
  chatModel: ChatModel;
  /** The provider's own model id. */
  model: string;
  /** For the whole answer; default 5 000 ms. */
  timeoutMs?: number;
  /** How many of the embedded router's best agents the model chooses among; default 20. */
  maxAgentsInPrompt?: number;
  onFallback?: FallbackListener;
}

// Enough for the JSON answer and nothing else; a model that rambles is cut off and ignored.
const MAX_OUTPUT_TOKENS = 60;
const MAX_DESCRIPTION_CHARS = 300;
const MAX_EXAMPLES_IN_PROMPT = 5;

export function createLlmRouter(options: LlmRouterOptions): AsyncRouter {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxAgents = Math.max(1, options.maxAgentsInPrompt ?? 20);

  return {
    mode: 'llm',
    async route(input: RouteInput): Promise<RoutingDecision> {
      const embedded = route(input);
      if (embedded.strategy !== 'recent' && embedded.strategy !== 'default') return embedded;
      if (input.index.agentIds.length === 0) return embedded;
      try {
        const shortlistIds = new Set(scoreMessage(input.index, input.message).slice(0, maxAgents).map((candidate) => candidate.agentId));
        const shortlist = indexProfiles(input.index).filter((profile) => shortlistIds.has(profile.id));
        const answer = await withTimeout((signal) => collectText(options.chatModel, options.model, buildPrompt(shortlist, input), signal), timeoutMs);
        const choice = parseChoice(answer, shortlistIds);
        const threshold = input.options.threshold ?? DEFAULT_THRESHOLD;
        // A model that is itself unsure (or says "none") does not override recent/default.
        if (choice.agentId === null || choice.confidence < threshold) return embedded;
        return { agentId: choice.agentId, strategy: 'relevance', confidence: choice.confidence, candidates: embedded.candidates };
      } catch (error) {
        options.onFallback?.('llm', error);
        return embedded;
      }
    },
  };
}

function buildPrompt(agents: readonly AgentProfile[], input: RouteInput): ChatTurn[] {
  const agentLines = agents.map((agent) => {
    const examples = agent.examples.slice(0, MAX_EXAMPLES_IN_PROMPT).map((example) => JSON.stringify(example)).join(', ');
    const about = [agent.role, agent.description].filter((part) => part.trim() !== '').join(': ').slice(0, MAX_DESCRIPTION_CHARS);
    return `- id ${JSON.stringify(agent.id)}, name ${JSON.stringify(agent.name)}: ${about}${examples === '' ? '' : ` Examples: ${examples}`}`;
  });
  const recent = (input.context.recentMessages ?? []).slice(-3);
  const system = [
    'You route a user message to the one agent best suited to answer it.',
    'Agents:',
    ...agentLines,
    'Answer with JSON only, exactly {"agentId": "<one id from the list>", "confidence": <number from 0 to 1>}.',
    'If no agent fits, answer {"agentId": null, "confidence": 0}. No prose, no code fences.',
  ].join('\n');
  const user = (recent.length === 0 ? '' : `Earlier messages from the user:\n${recent.map((text) => `> ${text}`).join('\n')}\n\n`) + `Message to route:\n${input.message}`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

async function collectText(chatModel: ChatModel, model: string, messages: ChatTurn[], signal: AbortSignal): Promise<string> {
  let text = '';
  for await (const part of chatModel.stream({ model, messages, maxOutputTokens: MAX_OUTPUT_TOKENS, temperature: 0 }, signal)) {
    if (part.type === 'text-delta') text += part.text;
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
  }
  return text;
}

/** Strict: one JSON object, a listed agent id (or null) and a confidence within [0, 1]. */
export function parseChoice(answer: string, allowedIds: Set<string>): { agentId: string | null; confidence: number } {
  const parsed: unknown = JSON.parse(answer.trim());
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('routing model answer is not a JSON object');
  const { agentId, confidence } = parsed as { agentId?: unknown; confidence?: unknown };
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) throw new Error('routing model answer has no confidence in [0, 1]');
  if (agentId === null) return { agentId: null, confidence };
  if (typeof agentId !== 'string' || !allowedIds.has(agentId)) throw new Error(`routing model chose an unknown agent: ${String(agentId)}`);
  return { agentId, confidence };
}
