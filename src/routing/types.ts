/**
 * The routing domain types. Routing is pure: a message, the caller's context and the agents'
 * profiles go in, a decision comes out. Nothing here touches the network, the store or a clock.
 */

/** What the router knows about an agent: its profile and its `routing.examples`/`keywords`. */
export interface AgentProfile {
  id: string;
  name: string;
  role: string;
  description: string;
  soul: string;
  examples: string[];
  keywords: string[];
}

export interface RoutingContext {
  /** The current session's agent, when the message continues a session. */
  sessionAgentId?: string;
  /** The caller's most recent session and how long ago it was active. */
  latestSession?: { agentId: string; ageMs: number };
  /** The caller's last few messages, oldest first (may be empty). */
  recentMessages?: string[];
}

export type RoutingStrategy = 'explicit' | 'session' | 'relevance' | 'recent' | 'default';

export interface RoutingCandidate {
  agentId: string;
  /** Calibrated confidence in [0, 1] that this agent is the right one. */
  score: number;
}

export interface RoutingDecision {
  agentId: string;
  strategy: RoutingStrategy;
  /**
   * 1 for `explicit` and `session` (decided by rule); otherwise the calibrated confidence of the
   * best relevance candidate, which is what the threshold was compared with.
   */
  confidence: number;
  /** The best scored agents, best first, whatever the strategy, so a decision can be explained. */
  candidates: RoutingCandidate[];
}

export interface RouterOptions {
  /** How long after the caller's latest session a short follow-up still goes to its agent. */
  recentWindowMs: number;
  /** Confidence under which relevance is not trusted; defaults to DEFAULT_THRESHOLD. */
  threshold?: number;
  /** How many candidates a decision lists; default 3. */
  maxCandidates?: number;
}

export interface RouteInput {
  message: string;
  explicitAgentId?: string;
  context: RoutingContext;
  index: RouterIndex;
  defaultAgentId: string;
  options: RouterOptions;
}

/**
 * A trained router for one workspace. Opaque to callers: build it once from the profiles with
 * `buildRouterIndex`, and build a new one whenever an agent is added, changed or archived
 * (compare `fingerprint` to know whether that is needed).
 */
export interface RouterIndex {
  readonly agentIds: readonly string[];
  /** Stable digest of the profiles the index was built from. */
  readonly fingerprint: string;
  /** Whether the index reads dense features from word vectors (else it is lexical only). */
  readonly wordVectors: boolean;
}
