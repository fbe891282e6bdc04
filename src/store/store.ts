/**
 * The store port: everything fleetchat persists, behind one interface so that SQLite (the
 * embedded default) and PostgreSQL are interchangeable. Every implementation must pass the
 * shared conformance suite in `test/store/conformance.ts`.
 *
 * Conventions every implementation follows:
 * - Ids are UUIDv7 strings made by the caller (services), never by the database.
 * - Times are `Date` objects in the domain; stored as UTC milliseconds or timestamptz.
 * - Methods that take a `workspaceId` scope the lookup to it: an object of another workspace is
 *   reported as absent (`undefined`), never as an error, so callers answer 404 alike.
 * - Methods are async even where the backend is synchronous (SQLite), so services do not care.
 * - Unique violations are reported as `StoreConflictError`, so services can answer 409.
 * - Ordering of messages is (createdAt, id); ids are UUIDv7, so this is also insertion order
 *   for messages created by one process.
 */

export type Role = 'admin' | 'member';
export type AgentStatus = 'online' | 'offline' | 'archived';
export type MessageRole = 'user' | 'assistant';
/** `streaming` only while an answer is being generated; a crash leftover is swept to `incomplete`. */
export type MessageStatus = 'complete' | 'incomplete' | 'streaming';
export type RoutedBy = 'explicit' | 'session' | 'relevance' | 'recent' | 'default';

export interface Workspace {
  id: string;
  name: string;
  /** The agent that answers when routing finds no clear match; null until one is set. */
  defaultAgentId: string | null;
  createdAt: Date;
}

export interface User {
  id: string;
  workspaceId: string;
  email: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
  /** Set when the user was deleted: its tokens stop working, its sessions stay. */
  deletedAt: Date | null;
}

export interface AgentConfig {
  model: { default: string; fallbacks: string[] };
  routing: { examples: string[]; keywords: string[] };
  session: { maxContextTokens: number };
  limits: { dailyTokenBudget: number | null; monthlyTokenBudget: number | null };
}

export interface Agent {
  id: string;
  workspaceId: string;
  name: string;
  role: string;
  description: string;
  soul: string;
  status: AgentStatus;
  config: AgentConfig;
  /** `file` for agents of the fleet file, `api` for agents made through the API. */
  source: 'file' | 'api';
  createdAt: Date;
  updatedAt: Date;
  lastActiveAt: Date | null;
}

export interface Session {
  id: string;
  workspaceId: string;
  userId: string;
  agentId: string;
  title: string;
  createdAt: Date;
  lastMessageAt: Date;
}

export interface Message {
  id: string;
  sessionId: string;
  workspaceId: string;
  userId: string;
  agentId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  /** Assistant messages only. */
  inputTokens: number | null;
  outputTokens: number | null;
  model: string | null;
  durationMs: number | null;
  routedBy: RoutedBy | null;
  createdAt: Date;
}

export interface Feedback {
  messageId: string;
  userId: string;
  rating: number;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A history row: the message with its agent's name and the reading user's feedback, if any. */
export interface HistoryItem extends Message {
  agentName: string;
  feedback: { rating: number; comment: string | null } | null;
}

export interface HistoryQuery {
  workspaceId: string;
  /** When set, only sessions of this user (members); unset for admins (whole workspace). */
  userId?: string;
  sessionId?: string;
  agentId?: string;
  /** Whose feedback to attach to the items. */
  viewerId: string;
  limit: number;
  /** Messages skipped before the page (after the cursor, when there is one). */
  offset: number;
  order: 'asc' | 'desc';
  /**
   * Keyset paging: the id of a message; the page is made of the messages that follow it in
   * `order`, by (createdAt, id), read as an index range rather than by skipping `offset`
   * rows. The cursor must be one of the messages this query selects (same workspace, scope and
   * filters); any other id (unknown, another tenant's, another user's, outside the filters)
   * gives an empty page with total 0, as an unknown session does.
   */
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  total: number;
}

export interface HistoryPage extends Page<HistoryItem> {
  /**
   * Whether a message follows the page in `order`. Without a cursor: offset + data.length <
   * total. With a cursor: the store read one message more than `limit` (the page's absolute
   * position is not known: counting it is the cost a cursor avoids).
   */
  hasMore: boolean;
}

/** A place in the session listing: the sort key of a session, (lastMessageAt, id). */
export interface SessionPosition {
  lastMessageAt: Date;
  id: string;
}

export interface SessionQuery {
  workspaceId: string;
  /** When set, only this user's sessions (members, and admins without `all`). */
  userId?: string;
  agentId?: string;
  limit: number;
  /** Sessions skipped before the page (after the cursor, when there is one). */
  offset: number;
  /**
   * Keyset paging: the page is made of the sessions that follow this position in the listing
   * order (lastMessageAt desc, id desc), read as an index range rather than by skipping
   * `offset` rows. A position, not a reference: it need not be a session that exists, and it
   * widens nothing (workspace, user and agent still scope the page and the total). A session
   * whose lastMessageAt moves past the position (a new message) leaves the rest of the walk
   * instead of appearing twice.
   */
  cursor?: SessionPosition;
}

export interface SessionPage extends Page<Session> {
  /**
   * Whether a session follows the page. Without a cursor: offset + data.length < total. With
   * a cursor: the store read one session more than `limit`.
   */
  hasMore: boolean;
}

export interface NewAgent {
  id: string;
  workspaceId: string;
  name: string;
  role: string;
  description: string;
  soul: string;
  status: AgentStatus;
  config: AgentConfig;
  source: 'file' | 'api';
  now: Date;
}

export type AgentPatch = Partial<Pick<Agent, 'name' | 'role' | 'description' | 'soul' | 'status' | 'config'>>;

export interface NewSession {
  id: string;
  workspaceId: string;
  userId: string;
  agentId: string;
  title: string;
  now: Date;
}

export interface NewMessage {
  id: string;
  sessionId: string;
  workspaceId: string;
  userId: string;
  agentId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  inputTokens?: number | null;
  outputTokens?: number | null;
  model?: string | null;
  durationMs?: number | null;
  routedBy?: RoutedBy | null;
  createdAt: Date;
}

export interface MessageFinal {
  content: string;
  status: 'complete' | 'incomplete';
  inputTokens: number | null;
  outputTokens: number | null;
  model: string | null;
  durationMs: number | null;
}

/** One answer's token use, added to the per-agent, per-day, per-model counters. */
export interface UsageRecord {
  workspaceId: string;
  agentId: string;
  model: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  inputTokens: number;
  outputTokens: number;
  /** 1 for a failed answer (every model failed), else 0. */
  errors: number;
  at: Date;
}

export interface AgentUsage {
  todayInput: number;
  todayOutput: number;
  monthInput: number;
  monthOutput: number;
}

export interface IdempotencyRecord {
  userId: string;
  key: string;
  /** A hash of the method, path and body that first used the key. */
  requestHash: string;
  state: 'in_progress' | 'done';
  statusCode: number | null;
  response: unknown;
  createdAt: Date;
  expiresAt: Date;
}

export type IdempotencyBegin =
  | { outcome: 'started' }
  | { outcome: 'in_progress' }
  | { outcome: 'mismatch' }
  | { outcome: 'done'; statusCode: number; response: unknown };

export interface AgentStatsQuery {
  workspaceId: string;
  agentId: string;
  from: Date;
  to: Date;
}

export interface AgentStats {
  messages: number;
  sessions: number;
  tokens: { input: number; output: number };
  feedback: { count: number; average: number | null; distribution: Record<'1' | '2' | '3' | '4' | '5', number> };
  latencyMs: { p50: number | null; p95: number | null };
  errors: number;
  byModel: Record<string, Omit<AgentStats, 'byModel' | 'sessions'> & { sessions?: number }>;
}

export class StoreConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreConflictError';
  }
}

/** The store is unreachable (connection refused, pool exhausted, database gone). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface Store {
  /** `sqlite` or `postgres`, for `/api/health` and logs. */
  readonly kind: 'sqlite' | 'postgres';

  /** Bring the schema up to date. Idempotent; safe to run from several instances at once. */
  migrate(): Promise<void>;
  /** True when the backend answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;

  // --- workspaces ---------------------------------------------------------------------------
  createWorkspace(input: { id: string; name: string; now: Date }): Promise<Workspace>;
  getWorkspace(id: string): Promise<Workspace | undefined>;
  getWorkspaceByName(name: string): Promise<Workspace | undefined>;
  /** Every workspace's id, oldest first (for instance-wide housekeeping). */
  listWorkspaceIds(): Promise<string[]>;
  setDefaultAgent(workspaceId: string, agentId: string | null): Promise<void>;
  countUsers(): Promise<number>;

  // --- users --------------------------------------------------------------------------------
  /** Emails are unique among users that are not deleted (case-insensitive, stored lower-case). */
  createUser(input: { id: string; workspaceId: string; email: string; passwordHash: string; role: Role; now: Date }): Promise<User>;
  /** Returns deleted users too (callers check `deletedAt`). */
  getUser(id: string): Promise<User | undefined>;
  /** Only a user that is not deleted. */
  getUserByEmail(email: string): Promise<User | undefined>;
  listUsers(workspaceId: string, limit: number, offset: number): Promise<Page<User>>;
  /**
   * Marks the user deleted; false when absent, already deleted, or of another workspace. With
   * `byAdmin`, only while that user is a live admin of the workspace (false otherwise), checked
   * so that two admins removing each other at once cannot both succeed: the second sees the first.
   */
  deleteUser(workspaceId: string, id: string, now: Date, byAdmin?: string): Promise<boolean>;
  /**
   * Replaces the password hash of a user that is not deleted; false when absent, deleted, or of
   * another workspace. With `previousHash`, only while the stored hash is still that one (false
   * otherwise): a change made with the current password must not overwrite one made meanwhile.
   */
  setPasswordHash(workspaceId: string, id: string, passwordHash: string, previousHash?: string): Promise<boolean>;
  /** Changes the role of a user that is not deleted; false when absent, deleted, or of another workspace. `byAdmin` as in deleteUser. */
  setUserRole(workspaceId: string, id: string, role: Role, byAdmin?: string): Promise<boolean>;

  // --- agents -------------------------------------------------------------------------------
  /** Names are unique per workspace (case-insensitive): StoreConflictError otherwise. */
  createAgent(input: NewAgent): Promise<Agent>;
  getAgent(workspaceId: string, id: string): Promise<Agent | undefined>;
  /** By id alone, for the fleet-file sync (which then checks the workspace). */
  getAgentById(id: string): Promise<Agent | undefined>;
  getAgentByName(workspaceId: string, name: string): Promise<Agent | undefined>;
  /** Ordered by createdAt then id. `status` filters; without it, every status. */
  listAgents(workspaceId: string, options: { status?: AgentStatus; limit: number; offset: number }): Promise<Page<Agent>>;
  /** Every agent of the workspace that is not archived, for routing. */
  listActiveAgents(workspaceId: string): Promise<Agent[]>;
  /** Every agent a fleet file made (`source: 'file'`) that is not archived, in every workspace (fleet sync at start). */
  listFleetAgents(): Promise<Agent[]>;
  updateAgent(workspaceId: string, id: string, patch: AgentPatch, now: Date): Promise<Agent | undefined>;
  touchAgent(agentId: string, at: Date): Promise<void>;

  // --- sessions -----------------------------------------------------------------------------
  createSession(input: NewSession): Promise<Session>;
  /** Scoped to the workspace; ownership by user is the service's check. */
  getSession(workspaceId: string, id: string): Promise<Session | undefined>;
  /**
   * Newest first (lastMessageAt desc, id desc), and the total the filters select (whatever
   * the cursor); see SessionQuery.
   */
  listSessions(query: SessionQuery): Promise<SessionPage>;
  /** The user's most recently active session, for `recent` routing. */
  latestSession(workspaceId: string, userId: string): Promise<Session | undefined>;

  // --- answers (the hot path: few commits per message) ---------------------------------------
  /** Opens the session when `session` is given, then stores the message, in one transaction. */
  beginTurn(input: { session?: NewSession; message: NewMessage }): Promise<Message>;
  /**
   * The end of an answer in one transaction: the assistant message (inserted, or, when
   * `streamed`, the `streaming` row of that id finished with these figures), the usage counters
   * and the agent's last activity.
   */
  completeAnswer(input: { message: NewMessage; streamed: boolean; usage: UsageRecord }): Promise<void>;

  // --- messages -----------------------------------------------------------------------------
  /** Inserts the message and bumps the session's lastMessageAt, in one transaction. */
  insertMessage(input: NewMessage): Promise<Message>;
  /** Final content and figures of an assistant message that was `streaming`. */
  finishMessage(id: string, final: MessageFinal): Promise<void>;
  getMessage(workspaceId: string, id: string): Promise<Message | undefined>;
  /**
   * The newest `limit` messages of a session in chronological order (oldest first), for the
   * prompt. Skips messages that are still `streaming`.
   */
  recentSessionMessages(sessionId: string, limit: number): Promise<Message[]>;
  /** A page of messages and the total the filters select (whatever the cursor); see HistoryQuery. */
  history(query: HistoryQuery): Promise<HistoryPage>;
  /** Marks every `streaming` message `incomplete` (start-up sweep); returns how many. */
  sweepStreaming(): Promise<number>;

  // --- feedback -----------------------------------------------------------------------------
  /** Insert or replace the user's rating of the message; createdAt survives a replace. */
  upsertFeedback(input: { messageId: string; userId: string; rating: number; comment: string | null; now: Date }): Promise<Feedback>;

  // --- idempotency --------------------------------------------------------------------------
  /**
   * Atomically claims `(userId, key)`. `started`: the caller runs the request and later calls
   * completeIdempotency or releaseIdempotency. Expired records are replaced.
   */
  beginIdempotency(input: { userId: string; key: string; requestHash: string; now: Date; ttlMs: number }): Promise<IdempotencyBegin>;
  completeIdempotency(userId: string, key: string, statusCode: number, response: unknown): Promise<void>;
  /** Forget a claim whose request failed, so that a retry runs again. */
  releaseIdempotency(userId: string, key: string): Promise<void>;

  // --- usage --------------------------------------------------------------------------------
  addUsage(record: UsageRecord): Promise<void>;
  /** Sums for the UTC day `day` (`YYYY-MM-DD`) and its month. */
  agentUsage(agentId: string, day: string): Promise<AgentUsage>;
  /** Today's sums for many agents at once (agents list). */
  agentsUsageToday(agentIds: string[], day: string): Promise<Map<string, { input: number; output: number }>>;
  agentStats(query: AgentStatsQuery): Promise<AgentStats>;

  // --- routing vectors ----------------------------------------------------------------------
  /**
   * Sentence vectors of the agents' routing texts, kept so that instances share them and a
   * restart does not compute them again (routing.mode encoder: two minutes for 100 agents).
   * The vectors stored for `model` of those of `texts` that have one.
   */
  getRoutingVectors(model: string, texts: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Every text with a vector stored for `model`, oldest first (to find those no agent uses). */
  listRoutingTexts(model: string): Promise<RoutingText[]>;
  /** Stores vectors; a text already stored for the model keeps the vector it has. */
  addRoutingVectors(model: string, vectors: readonly { text: string; vector: Float32Array }[], now: Date): Promise<void>;
  /** Deletes the model's vectors of `texts` that were stored before `before`; returns how many. */
  deleteRoutingVectors(model: string, texts: readonly string[], before: Date): Promise<number>;
}

export interface RoutingText {
  text: string;
  createdAt: Date;
}

/** Every user of a workspace that is not deleted, oldest first, a page of 200 at a time. */
export async function* workspaceUsers(store: Pick<Store, 'listUsers'>, workspaceId: string): AsyncGenerator<User, void, undefined> {
  for (let offset = 0; ; offset += 200) {
    const page = await store.listUsers(workspaceId, 200, offset);
    yield* page.data;
    if (page.data.length < 200) return;
  }
}
