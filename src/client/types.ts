/**
 * The wire shapes of the fleetchat API as the client sees them (docs/API.md, docs/STREAMING.md).
 * They are written out rather than derived from the server's TypeBox schemas so that the client
 * carries no server dependency into a browser bundle; test/client/types.test.ts checks at
 * compile time that each one still matches its schema in src/http/schemas.ts.
 */

export type Role = 'admin' | 'member';
export type RoutedBy = 'explicit' | 'session' | 'relevance' | 'recent' | 'default';
export type AgentStatus = 'online' | 'offline' | 'archived';
export type MessageStatus = 'complete' | 'incomplete' | 'streaming';

// --- auth -------------------------------------------------------------------------------------

export interface User {
  id: string;
  email: string;
  role: Role;
  workspaceId: string;
  createdAt?: string;
}

export interface LoginResponse {
  token: string;
  expiresAt?: string;
  user: User;
}

/** A new user of the admin's workspace; the password has at least 12 characters. */
export interface CreateUserInput {
  email: string;
  password: string;
  /** Default `member`. */
  role?: Role;
}

export interface OkResponse {
  ok: true;
}

// --- pages ------------------------------------------------------------------------------------

export interface Pagination {
  total: number;
  limit: number;
  offset: number;
  hasMore: boolean;
}

export interface Page<T> {
  data: T[];
  pagination: Pagination;
}

export interface PageQuery {
  /** Page size; each endpoint has its own range (history and sessions 1…200, agents 1…100). */
  limit?: number;
  offset?: number;
}

// --- chat -------------------------------------------------------------------------------------

export interface SendMessageInput {
  message: string;
  agentId?: string;
  sessionId?: string;
  explainRouting?: boolean;
  /** Sent as the `Idempotency-Key` header: a retry with the same key returns the first answer. */
  idempotencyKey?: string;
}

export interface RoutingExplanation {
  confidence: number;
  candidates: { agentId: string; agentName: string; score: number }[];
}

/**
 * `POST /api/chat/route`: where a message would go, without sending it. The session rules of
 * sending apply: its owner only, and its agent.
 */
export type RouteInput = Pick<SendMessageInput, 'message' | 'agentId' | 'sessionId'>;

/** The agent, why, and (when the router chose) its confidence and best candidates. */
export type RouteDecision = Pick<AnswerHeader, 'agentId' | 'agentName' | 'routedBy' | 'routing'>;

/** What identifies an answer once it has started: the `start` frame, and part of every answer. */
export interface AnswerHeader {
  sessionId: string;
  agentId: string;
  agentName: string;
  messageId: string;
  userMessageId: string;
  routedBy: RoutedBy;
  routing?: RoutingExplanation;
}

/** `POST /api/chat/message`, and the fields of the `done` frame. */
export interface Answer extends AnswerHeader {
  response: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  model: string;
}

export interface HistoryQuery extends PageQuery {
  agentId?: string;
  sessionId?: string;
  /** `desc` (default): newest first. */
  order?: 'asc' | 'desc';
  /** Keyset paging with `order: 'desc'`: the messages older than this one (not with `offset`). */
  before?: string;
  /** Keyset paging with `order: 'asc'`: the messages newer than this one (not with `offset`). */
  after?: string;
}

export interface HistoryPagination extends Pagination {
  /**
   * When `hasMore`: the last item's id, to pass as `before` (desc) or `after` (asc) for the
   * next page; else null. With a cursor in the query, `offset` is 0 (the page's absolute
   * position is not computed).
   */
  nextCursor: string | null;
}

export interface HistoryPage {
  data: HistoryItem[];
  pagination: HistoryPagination;
}

export interface FeedbackSummary {
  rating: number;
  comment: string | null;
}

export interface HistoryItem {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  sessionId: string;
  agentId: string;
  agentName: string;
  createdAt: string;
  /** Assistant messages only: `incomplete` when the answer was cut (cancel, disconnect, failure). */
  status?: MessageStatus;
  inputTokens?: number | null;
  outputTokens?: number | null;
  model?: string | null;
  durationMs?: number | null;
  routedBy?: RoutedBy | null;
  /** The caller's own rating of this answer, or null. */
  feedback?: FeedbackSummary | null;
}

export interface SessionsQuery extends PageQuery {
  agentId?: string;
  /** Admins: every session of the workspace, not only their own. */
  all?: boolean;
  /** Keyset paging: a page's `pagination.nextCursor`, passed back unchanged (not with `offset`). */
  cursor?: string;
}

export interface SessionsPagination extends Pagination {
  /**
   * When `hasMore`: an opaque cursor after the page's last session, to pass as `cursor` for the
   * next page; else null. With a cursor in the query, `offset` is 0.
   */
  nextCursor: string | null;
}

export interface SessionsPage {
  data: Session[];
  pagination: SessionsPagination;
}

export interface Session {
  id: string;
  agentId: string;
  userId: string;
  title: string;
  createdAt: string;
  lastMessageAt: string;
}

export interface FeedbackInput {
  messageId: string;
  /** An integer from 1 to 5. */
  rating: number;
  comment?: string | null;
}

export interface Feedback {
  messageId: string;
  rating: number;
  comment: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FeedbackResponse {
  ok: true;
  feedback: Feedback;
}

export interface CancelResponse {
  ok: true;
  status: 'incomplete';
}

// --- agents -----------------------------------------------------------------------------------

export interface AgentConfig {
  model: { default: string; fallbacks: string[] };
  routing: { examples: string[]; keywords: string[] };
  session: { maxContextTokens: number };
  limits: { dailyTokenBudget: number | null; monthlyTokenBudget: number | null };
}

export interface Agent {
  id: string;
  name: string;
  role: string;
  description: string;
  soul: string;
  status: AgentStatus;
  config: AgentConfig;
  source: 'file' | 'api';
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
  lastActiveAt: string | null;
  tokensTodayInput: number;
  tokensTodayOutput: number;
}

/** Each field's documented limits are in docs/API.md (Agents). */
export interface AgentConfigInput {
  model: { default: string; fallbacks?: string[] };
  routing?: { examples?: string[]; keywords?: string[] };
  session?: { maxContextTokens?: number };
  limits?: { dailyTokenBudget?: number | null; monthlyTokenBudget?: number | null };
}

export interface CreateAgentInput {
  name: string;
  role?: string;
  description?: string;
  soul?: string;
  /** Archiving is `archiveAgent`, not a status. */
  status?: 'online' | 'offline';
  config: AgentConfigInput;
}

/** At least one field; `config` is merged into the agent's (a field given replaces that field). */
export interface UpdateAgentInput {
  name?: string;
  role?: string;
  description?: string;
  soul?: string;
  status?: 'online' | 'offline';
  config?: { model?: Partial<AgentConfigInput['model']> } & Omit<AgentConfigInput, 'model'>;
}

export interface AgentsQuery extends PageQuery {
  status?: AgentStatus;
}

export interface StatsQuery {
  /** ISO-8601 time or a Date; default: 30 days before `to`. */
  from?: string | Date;
  /** ISO-8601 time or a Date; default: now. */
  to?: string | Date;
}

export type RatingDistribution = Record<'1' | '2' | '3' | '4' | '5', number>;

export interface UsageFigures {
  messages: number;
  tokens: { input: number; output: number };
  feedback: { count: number; average: number | null; distribution: RatingDistribution };
  latencyMs: { p50: number | null; p95: number | null };
  errors: number;
}

export interface AgentStats extends UsageFigures {
  agentId: string;
  from: string;
  to: string;
  sessions: number;
  byModel: Record<string, UsageFigures & { sessions?: number }>;
}

// --- streaming --------------------------------------------------------------------------------

export interface StreamInput {
  message: string;
  agentId?: string;
  sessionId?: string;
  /** Echoed on every frame of the answer; the client makes one when omitted. */
  requestId?: string;
  explainRouting?: boolean;
  idempotencyKey?: string;
}

export interface StartFrame extends AnswerHeader {
  type: 'start';
  requestId: string;
}

export interface ChunkFrame {
  type: 'chunk';
  requestId: string;
  /** Counts the chunks of one answer from 1. */
  seq: number;
  delta: string;
}

export interface DoneFrame extends Answer {
  type: 'done';
  requestId: string;
}

export interface ErrorFrame {
  type: 'error';
  requestId?: string;
  error: string;
  code: string;
  /** Present once the answer had started. */
  sessionId?: string;
  /** Present when an (incomplete) assistant message was stored. */
  messageId?: string;
  /** Seconds, where REST would send `Retry-After`. */
  retryAfter?: number;
  details?: unknown[];
}

export type StreamFrame = StartFrame | ChunkFrame | DoneFrame | ErrorFrame;
