/**
 * The routing decision: explicit → session → relevance (when confident) → recent → default.
 */
import { DEFAULT_THRESHOLD, scoreMessage } from './router-index.ts';
import { tokenize } from './text-features.ts';
import type { RouteInput, RoutingCandidate, RoutingDecision } from './types.ts';

const DEFAULT_MAX_CANDIDATES = 3;

// A follow-up this short rarely names its topic ("and last month?", "why?", "ok do it").
const SHORT_FOLLOW_UP_MAX_TOKENS = 4;
// A longer message still reads as a follow-up when it opens like a continuation, up to this length.
const CONNECTIVE_FOLLOW_UP_MAX_TOKENS = 12;
const CONNECTIVE_OPENINGS = [
  'and', 'also', 'but', 'or', 'so', 'then', 'plus', 'too', 'same', 'again', 'ok', 'okay',
  'what about', 'how about', 'what if', 'why', 'why not', 'and then', 'as well', 'instead',
];
const ANAPHORA = new Set(['it', 'that', 'this', 'those', 'these', 'them', 'there', 'one', 'ones']);

/** Whether a message reads as the continuation of an earlier exchange rather than a new request. */
export function isShortFollowUp(message: string): boolean {
  const tokens = tokenize(message);
  if (tokens.length === 0) return false;
  if (tokens.length <= SHORT_FOLLOW_UP_MAX_TOKENS) return true;
  if (tokens.length > CONNECTIVE_FOLLOW_UP_MAX_TOKENS) return false;
  const opening = tokens.slice(0, 2).join(' ');
  if (CONNECTIVE_OPENINGS.some((connective) => opening === connective || opening.startsWith(connective + ' '))) return true;
  // "can you do that for next week" leans on what came before.
  return tokens.length <= 8 && tokens.some((token) => ANAPHORA.has(token));
}

export function route(input: RouteInput): RoutingDecision {
  // Scored even when a rule decides, so that every decision can be explained.
  return decideRoute(input, scoreMessage(input.index, input.message));
}

/** The decision order applied to scores from any scorer (the embedded one or a stronger mode's). */
export function decideRoute(input: RouteInput, scores: RoutingCandidate[]): RoutingDecision {
  const { message, explicitAgentId, context, index, defaultAgentId, options } = input;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const maxCandidates = Math.max(0, options.maxCandidates ?? DEFAULT_MAX_CANDIDATES);
  const candidates = scores.slice(0, maxCandidates);
  const best: RoutingCandidate | undefined = scores[0];
  const bestConfidence = best?.score ?? 0;

  if (explicitAgentId !== undefined) return { agentId: explicitAgentId, strategy: 'explicit', confidence: 1, candidates };
  if (context.sessionAgentId !== undefined) return { agentId: context.sessionAgentId, strategy: 'session', confidence: 1, candidates };
  if (best !== undefined && bestConfidence >= threshold) {
    return { agentId: best.agentId, strategy: 'relevance', confidence: bestConfidence, candidates };
  }
  if (isShortFollowUp(message)) {
    const latest = context.latestSession;
    if (latest !== undefined && latest.ageMs >= 0 && latest.ageMs <= options.recentWindowMs && index.agentIds.includes(latest.agentId)) {
      return { agentId: latest.agentId, strategy: 'recent', confidence: bestConfidence, candidates };
    }
    // No recent session: the caller's previous message may name the topic ("flights to Rome" … "and in May?").
    const previous = context.recentMessages?.at(-1);
    if (previous !== undefined && previous.trim() !== '') {
      const withContext = scoreMessage(index, previous + '\n' + message)[0];
      if (withContext !== undefined && withContext.score >= threshold) {
        return { agentId: withContext.agentId, strategy: 'relevance', confidence: withContext.score, candidates };
      }
    }
  }
  return { agentId: defaultAgentId, strategy: 'default', confidence: bestConfidence, candidates };
}
