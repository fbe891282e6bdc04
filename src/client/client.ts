import type { AnswerStream } from './answer-stream.ts';
import { FleetchatError, errorFromResponse } from './errors.ts';
import { StreamSocket } from './stream-socket.ts';
import type {
  Agent,
  AgentStats,
  AgentsQuery,
  Answer,
  CancelResponse,
  CreateAgentInput,
  CreateUserInput,
  FeedbackInput,
  FeedbackResponse,
  HistoryItem,
  HistoryPage,
  HistoryQuery,
  LoginResponse,
  OkResponse,
  Page,
  PageQuery,
  Role,
  RouteDecision,
  RouteInput,
  SendMessageInput,
  Session,
  SessionsPage,
  SessionsQuery,
  StatsQuery,
  StreamInput,
  UpdateAgentInput,
  User,
} from './types.ts';
import type { WebSocketConstructor } from './websocket.ts';

export interface FleetchatClientOptions {
  /** The server's origin, e.g. `http://localhost:3000` (paths start at `/api`). */
  baseUrl: string;
  /** A JWT from an earlier login; `login()` sets it too. */
  token?: string;
  /** Defaults to the global fetch; inject one to add retries, logging or a test double. */
  fetch?: typeof globalThis.fetch;
  /** Defaults to the native WebSocket, else the `ws` package (Node 20). */
  WebSocket?: WebSocketConstructor;
  /** An unused stream socket closes after this long; default 30 s. */
  socketIdleTimeoutMs?: number;
  /** Pace of frames sent on the socket; default 20 a second, the server's default limit. */
  framesPerSecond?: number;
}

type QueryValue = string | number | boolean | Date | undefined;

export interface RequestOptions {
  signal?: AbortSignal;
}

/** A typed client of the fleetchat API: REST over fetch, streaming over one WebSocket. */
export class FleetchatClient {
  readonly baseUrl: string;
  #token: string | undefined;
  readonly #fetch: typeof globalThis.fetch;
  readonly #socket: StreamSocket;

  constructor(options: FleetchatClientOptions) {
    if (!/^https?:\/\//i.test(options.baseUrl)) throw new TypeError(`baseUrl must be an absolute http(s) URL, got "${options.baseUrl}".`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    // Bound so that a browser's fetch is not called with the client as `this` (Illegal invocation).
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#socket = new StreamSocket({
      url: () => (this.#token === undefined ? undefined : `${this.baseUrl.replace(/^http/i, 'ws')}/api/chat/ws?token=${encodeURIComponent(this.#token)}`),
      WebSocket: options.WebSocket,
      idleTimeoutMs: options.socketIdleTimeoutMs ?? 30_000,
      framesPerSecond: options.framesPerSecond ?? 20,
      explainFailure: () => this.#explainSocketFailure(),
    });
  }

  get token(): string | undefined {
    return this.#token;
  }

  set token(token: string | undefined) {
    if (token === this.#token) return;
    this.#token = token;
    // The socket authenticated with the old token; answers running on it may finish there.
    this.#socket.retire();
  }

  // --- auth -----------------------------------------------------------------------------------

  /** Logs in and keeps the token for every later call. */
  async login(email: string, password: string): Promise<LoginResponse> {
    const answer = await this.#request<LoginResponse>('POST', '/api/auth/login', { body: { email, password }, anonymous: true });
    this.token = answer.token;
    return answer;
  }

  /**
   * Changes the caller's password. Every token issued before stops working, this client's too:
   * it keeps the new one the answer carries.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<LoginResponse> {
    const answer = await this.#request<LoginResponse>('POST', '/api/auth/password', { body: { currentPassword, newPassword } });
    this.token = answer.token;
    return answer;
  }

  /** Forgets the token and closes the stream socket. */
  logout(): void {
    this.token = undefined;
    this.#socket.close();
  }

  async me(): Promise<User> {
    return (await this.#request<{ user: User }>('GET', '/api/auth/me')).user;
  }

  // --- chat -----------------------------------------------------------------------------------

  /** Sends a message and waits for the whole answer. Aborting `signal` cancels it on the server. */
  sendMessage(input: SendMessageInput, options: RequestOptions = {}): Promise<Answer> {
    const { idempotencyKey, ...body } = input;
    const headers = idempotencyKey === undefined ? undefined : { 'idempotency-key': idempotencyKey };
    return this.#request<Answer>('POST', '/api/chat/message', { body, headers, signal: options.signal });
  }

  /** Which agent `input` would go to, and why, without sending it: nothing is stored, no model answers. */
  route(input: RouteInput, options: RequestOptions = {}): Promise<RouteDecision> {
    return this.#request<RouteDecision>('POST', '/api/chat/route', { body: input, signal: options.signal });
  }

  /** Streams an answer over the client's WebSocket; see AnswerStream for how errors surface. */
  stream(input: StreamInput): AnswerStream {
    return this.#socket.stream(input);
  }

  /** Stops a running answer by its `messageId` (from `start`), on any socket or transport. */
  cancel(messageId: string): Promise<CancelResponse> {
    return this.#request<CancelResponse>('POST', `/api/chat/messages/${encodeURIComponent(messageId)}/cancel`);
  }

  /** One page of messages (newest first unless `order: 'asc'`). */
  history(query: HistoryQuery = {}, options: RequestOptions = {}): Promise<HistoryPage> {
    return this.#request<HistoryPage>('GET', '/api/chat/history', { query: { ...query }, signal: options.signal });
  }

  /**
   * Every page of a history query, fetched one at a time as the loop asks for it. The first
   * page is the query as given (its `offset`, `before` or `after`); each next one continues
   * from the previous page's `nextCursor` (keyset paging), so messages arriving meanwhile
   * neither repeat nor shift pages. A server that sends no `nextCursor` is walked by offset.
   */
  historyPages(query: HistoryQuery = {}): AsyncGenerator<HistoryPage, void, undefined> {
    const { offset, before, after, ...filters } = query;
    return walkPages((next) => this.history(next), query, offset ?? 0, (cursor, position) => {
      if (cursor !== null) return filters.order === 'asc' ? { ...filters, after: cursor } : { ...filters, before: cursor };
      return before === undefined && after === undefined ? { ...filters, offset: position } : undefined;
    });
  }

  /** Every message of a history query, page after page. */
  async *iterateHistory(query: HistoryQuery = {}): AsyncGenerator<HistoryItem, void, undefined> {
    for await (const page of this.historyPages(query)) yield* page.data;
  }

  /** The caller's sessions, newest activity first (admins: `all: true` for the workspace's). */
  sessions(query: SessionsQuery = {}, options: RequestOptions = {}): Promise<SessionsPage> {
    return this.#request<SessionsPage>('GET', '/api/chat/sessions', { query: { ...query }, signal: options.signal });
  }

  /**
   * Every page of a sessions query, fetched one at a time as the loop asks for it. The first
   * page is the query as given (its `offset` or `cursor`); each next one continues from the
   * previous page's `nextCursor`, so a session that gets a message meanwhile (and so moves to
   * the top) is not listed twice. A server that sends no `nextCursor` is walked by offset.
   */
  sessionPages(query: SessionsQuery = {}): AsyncGenerator<SessionsPage, void, undefined> {
    const { offset, cursor: first, ...filters } = query;
    return walkPages((next) => this.sessions(next), query, offset ?? 0, (cursor, position) => {
      if (cursor !== null) return { ...filters, cursor };
      return first === undefined ? { ...filters, offset: position } : undefined;
    });
  }

  /** Rates an answer 1–5; rating again replaces the earlier rating. */
  feedback(input: FeedbackInput): Promise<FeedbackResponse> {
    return this.#request<FeedbackResponse>('POST', '/api/chat/feedback', { body: input });
  }

  // --- agents ---------------------------------------------------------------------------------

  agents(query: AgentsQuery = {}, options: RequestOptions = {}): Promise<Page<Agent>> {
    return this.#request<Page<Agent>>('GET', '/api/agents', { query: { ...query }, signal: options.signal });
  }

  agent(id: string, options: RequestOptions = {}): Promise<Agent> {
    return this.#request<Agent>('GET', `/api/agents/${encodeURIComponent(id)}`, { signal: options.signal });
  }

  /** Creates an agent (admins); it answers and routes at once. */
  createAgent(input: CreateAgentInput): Promise<Agent> {
    return this.#request<Agent>('POST', '/api/agents', { body: input });
  }

  /** Changes an agent (admins): the fields given replace the agent's, `config` field by field. */
  updateAgent(id: string, input: UpdateAgentInput): Promise<Agent> {
    return this.#request<Agent>('PATCH', `/api/agents/${encodeURIComponent(id)}`, { body: input });
  }

  /** Archives an agent (admins): it no longer answers or routes; its history stays readable. */
  archiveAgent(id: string): Promise<Agent> {
    return this.#request<Agent>('DELETE', `/api/agents/${encodeURIComponent(id)}`);
  }

  /** Feedback, usage and latency of an agent (admins); default: the last 30 days. */
  agentStats(id: string, query: StatsQuery = {}, options: RequestOptions = {}): Promise<AgentStats> {
    return this.#request<AgentStats>('GET', `/api/agents/${encodeURIComponent(id)}/stats`, { query: { ...query }, signal: options.signal });
  }

  // --- users (admins, within their workspace) ---------------------------------------------------

  createUser(input: CreateUserInput): Promise<User> {
    return this.#request<User>('POST', '/api/users', { body: input });
  }

  /** One page of the workspace's users, oldest first (limit 1…100, default 20). */
  users(query: PageQuery = {}, options: RequestOptions = {}): Promise<Page<User>> {
    return this.#request<Page<User>>('GET', '/api/users', { query: { ...query }, signal: options.signal });
  }

  /** Another user's role; it applies at that user's next request. */
  setUserRole(id: string, role: Role): Promise<User> {
    return this.#request<User>('PATCH', `/api/users/${encodeURIComponent(id)}`, { body: { role } });
  }

  /** Another user's password (a forgotten one); that user's tokens stop working. */
  setUserPassword(id: string, password: string): Promise<OkResponse> {
    return this.#request<OkResponse>('POST', `/api/users/${encodeURIComponent(id)}/password`, { body: { password } });
  }

  /** Deletes a user: its tokens stop working at once; its sessions stay readable by admins. */
  deleteUser(id: string): Promise<OkResponse> {
    return this.#request<OkResponse>('DELETE', `/api/users/${encodeURIComponent(id)}`);
  }

  /** Closes the stream socket (a Node process stays alive while it is open). */
  close(): void {
    this.#socket.close();
  }

  // --- transport ------------------------------------------------------------------------------

  async #request<T>(
    method: string,
    path: string,
    options: { body?: unknown; query?: Record<string, QueryValue>; headers?: Record<string, string>; signal?: AbortSignal; anonymous?: boolean } = {},
  ): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value instanceof Date ? value.toISOString() : String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (!options.anonymous && this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.#fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new FleetchatError(`Could not reach ${this.baseUrl}: ${(error as Error).message}`, { code: 'CONNECTION_ERROR', status: 0, cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw errorFromResponse(response.status, response.headers, text);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new FleetchatError(`${method} ${path} answered ${response.status} with a body that is not JSON.`, { code: 'BAD_RESPONSE', status: response.status, cause: error });
    }
  }

  async #explainSocketFailure(): Promise<FleetchatError> {
    try {
      await this.me();
    } catch (error) {
      if (error instanceof FleetchatError) return error;
    }
    return new FleetchatError(`Could not open the WebSocket to ${this.baseUrl}.`, { code: 'CONNECTION_ERROR', status: 0 });
  }
}

/**
 * Walks a listing page by page, each fetched only when the consumer asks for it: first `query`,
 * then what `following` makes of the previous page's `nextCursor` (null from a server that sends
 * none) and the position reached from `offset`; undefined from it ends the walk.
 */
async function* walkPages<Query, Listing extends { data: unknown[]; pagination: { hasMore: boolean; nextCursor?: string | null } }>(
  fetchPage: (query: Query) => Promise<Listing>,
  query: Query,
  offset: number,
  following: (cursor: string | null, position: number) => Query | undefined,
): AsyncGenerator<Listing, void, undefined> {
  let next: Query | undefined = query;
  let position = offset;
  while (next !== undefined) {
    const page = await fetchPage(next);
    yield page;
    // An empty page with hasMore (rows deleted meanwhile) would loop forever; stop instead.
    if (!page.pagination.hasMore || page.data.length === 0) return;
    position += page.data.length;
    const cursor = page.pagination.nextCursor;
    next = following(typeof cursor === 'string' ? cursor : null, position);
  }
}
