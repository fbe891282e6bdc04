import { AppError, notFound } from '../errors.ts';
import type { Principal } from '../auth/auth-service.ts';
import type { Feedback, HistoryItem, Session, SessionPosition, Store } from '../store/store.ts';
import { checkText } from './guards.ts';
import { decodeSessionCursor, encodeSessionCursor } from './session-cursor.ts';

export interface HistoryItemView {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  sessionId: string;
  agentId: string;
  agentName: string;
  createdAt: string;
  status?: 'complete' | 'incomplete' | 'streaming';
  inputTokens?: number | null;
  outputTokens?: number | null;
  model?: string | null;
  durationMs?: number | null;
  routedBy?: string | null;
  feedback?: { rating: number; comment: string | null } | null;
}

export function toHistoryItemView(item: HistoryItem): HistoryItemView {
  const view: HistoryItemView = {
    id: item.id,
    role: item.role,
    content: item.content,
    sessionId: item.sessionId,
    agentId: item.agentId,
    agentName: item.agentName,
    createdAt: item.createdAt.toISOString(),
  };
  if (item.role === 'assistant') {
    view.status = item.status;
    view.inputTokens = item.inputTokens;
    view.outputTokens = item.outputTokens;
    view.model = item.model;
    view.durationMs = item.durationMs;
    view.routedBy = item.routedBy;
    view.feedback = item.feedback;
  }
  return view;
}

export interface SessionView {
  id: string;
  agentId: string;
  userId: string;
  title: string;
  createdAt: string;
  lastMessageAt: string;
}

export const toSessionView = (session: Session): SessionView => ({
  id: session.id,
  agentId: session.agentId,
  userId: session.userId,
  title: session.title,
  createdAt: session.createdAt.toISOString(),
  lastMessageAt: session.lastMessageAt.toISOString(),
});

export interface HistoryRequest {
  sessionId?: string;
  agentId?: string;
  limit: number;
  /** Absent means 0; not allowed with a cursor. */
  offset?: number;
  order: 'asc' | 'desc';
  /** Keyset paging, newest first: the messages older than this one (order `desc`). */
  before?: string;
  /** Keyset paging, oldest first: the messages newer than this one (order `asc`). */
  after?: string;
}

/** A page is placed either by an offset or by a cursor, never both (even offset=0). */
function refuseOffsetWith(cursorName: string, offset: number | undefined): void {
  if (offset === undefined) return;
  throw new AppError('VALIDATION_ERROR', `\`offset\` cannot be combined with \`${cursorName}\`: a page is placed either by an offset or by a cursor; drop \`offset\` to continue from the cursor.`);
}

/**
 * The cursor of a history request, refusing the combinations that would be ambiguous: a page
 * is placed either by `offset` or by a cursor, and each cursor name goes with the one order in
 * which it continues a listing (`before` reads towards older messages, `after` towards newer).
 */
function checkCursor(query: HistoryRequest): string | undefined {
  if (query.before !== undefined && query.after !== undefined) {
    throw new AppError('VALIDATION_ERROR', 'Use either `before` (newest first) or `after` (oldest first), not both.');
  }
  const name = query.before !== undefined ? 'before' : query.after !== undefined ? 'after' : undefined;
  if (name === undefined) return undefined;
  refuseOffsetWith(name, query.offset);
  if (name === 'before' && query.order !== 'desc') {
    throw new AppError('VALIDATION_ERROR', '`before` pages go newest first: use it with order=desc (the default), or use `after` with order=asc.');
  }
  if (name === 'after' && query.order !== 'asc') {
    throw new AppError('VALIDATION_ERROR', '`after` pages go oldest first: add order=asc, or use `before` for newest first.');
  }
  return query.before ?? query.after;
}

export interface SessionsRequest {
  agentId?: string;
  /** Admins: every session of the workspace (ignored for members). */
  all?: boolean;
  limit: number;
  /** Absent means 0; not allowed with a cursor. */
  offset?: number;
  /** Keyset paging: a page's `pagination.nextCursor`; the page continues after it. */
  cursor?: string;
}

/** The position a sessions request continues from, refusing an offset next to it. */
function checkSessionCursor(query: SessionsRequest): SessionPosition | undefined {
  if (query.cursor === undefined) return undefined;
  refuseOffsetWith('cursor', query.offset);
  const position = decodeSessionCursor(query.cursor);
  if (position === undefined) {
    throw new AppError('VALIDATION_ERROR', '`cursor` is not a sessions cursor: pass `pagination.nextCursor` of the previous page unchanged, or leave `cursor` out to start from the newest session.');
  }
  return position;
}

/** Members see their own sessions; admins their whole workspace. */
const readerScope = (principal: Principal): string | undefined => (principal.role === 'admin' ? undefined : principal.userId);

export class HistoryService {
  readonly #store: Store;

  constructor(deps: { store: Store }) {
    this.#store = deps.store;
  }

  /**
   * A foreign or unknown sessionId/agentId gives an empty page (documented in docs/API.md):
   * the filter simply matches nothing the caller may read, and nothing is revealed. So does a
   * `before`/`after` cursor that is not one of the messages the query lists.
   *
   * Keyset paging: `before` (newest first, `desc`) or `after` (oldest first, `asc`) names the
   * message the page follows; `nextCursor` is the id to pass next time, under the same name.
   */
  async history(principal: Principal, query: HistoryRequest) {
    const cursor = checkCursor(query);
    const offset = query.offset ?? 0;
    const page = await this.#store.history({
      workspaceId: principal.workspaceId,
      userId: readerScope(principal),
      sessionId: query.sessionId,
      agentId: query.agentId,
      viewerId: principal.userId,
      limit: query.limit,
      offset,
      order: query.order,
      cursor,
    });
    const last = page.data.at(-1);
    return {
      data: page.data.map(toHistoryItemView),
      pagination: { total: page.total, limit: query.limit, offset, hasMore: page.hasMore, nextCursor: page.hasMore && last ? last.id : null },
    };
  }

  /**
   * Keyset paging: `cursor` (a page's `nextCursor`) names the position the page follows in the
   * listing order; `nextCursor` encodes the page's last session. A well-formed cursor only
   * positions the page: the listing stays scoped to the caller, so none reveals another's.
   */
  async sessions(principal: Principal, query: SessionsRequest) {
    const cursor = checkSessionCursor(query);
    const offset = query.offset ?? 0;
    const everyone = query.all === true && principal.role === 'admin';
    const page = await this.#store.listSessions({
      workspaceId: principal.workspaceId,
      userId: everyone ? undefined : principal.userId,
      agentId: query.agentId,
      limit: query.limit,
      offset,
      cursor,
    });
    const last = page.data.at(-1);
    return {
      data: page.data.map(toSessionView),
      pagination: { total: page.total, limit: query.limit, offset, hasMore: page.hasMore, nextCursor: page.hasMore && last ? encodeSessionCursor(last) : null },
    };
  }

  /** Only the owner of the session rates its assistant messages; one rating per user. */
  async rate(principal: Principal, input: { messageId: string; rating: number; comment?: string | null }): Promise<Feedback> {
    if (input.comment) checkText('comment', input.comment, { maxChars: 2000, allowBlank: true });
    const message = await this.#store.getMessage(principal.workspaceId, input.messageId);
    if (!message || message.userId !== principal.userId) throw notFound('message');
    if (message.role !== 'assistant') throw new AppError('VALIDATION_ERROR', 'Only assistant messages can be rated; use the messageId of an answer.');
    return this.#store.upsertFeedback({
      messageId: message.id,
      userId: principal.userId,
      rating: input.rating,
      comment: input.comment ?? null,
      now: new Date(),
    });
  }
}

export const toFeedbackView = (feedback: Feedback) => ({
  messageId: feedback.messageId,
  rating: feedback.rating,
  comment: feedback.comment,
  createdAt: feedback.createdAt.toISOString(),
  updatedAt: feedback.updatedAt.toISOString(),
});
