/**
 * Typed errors. Every error the API returns is an AppError with a stable `code` and an HTTP
 * `status`; exactly one place (http/error-handler.ts) turns them into `{ error, code }` bodies,
 * and the WebSocket renders the same fields into `error` frames.
 */

import { StoreUnavailableError } from './store/store.ts';

export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'AGENT_NOT_FOUND'
  | 'SESSION_NOT_FOUND'
  | 'MESSAGE_NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'SESSION_AGENT_MISMATCH'
  | 'CONFLICT'
  | 'SESSION_BUSY'
  | 'IDEMPOTENCY_IN_PROGRESS'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'NOT_IN_PROGRESS'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'TOKEN_BUDGET_EXCEEDED'
  | 'AGENT_ARCHIVED'
  | 'AGENT_OFFLINE'
  | 'CANCELLED'
  | 'PROVIDER_ERROR'
  | 'PROVIDER_TIMEOUT'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export const statusOfCode: Record<ErrorCode, number> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  SESSION_AGENT_MISMATCH: 409,
  CONFLICT: 409,
  SESSION_BUSY: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  NOT_IN_PROGRESS: 409,
  AGENT_ARCHIVED: 409,
  AGENT_OFFLINE: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TOKEN_BUDGET_EXCEEDED: 429,
  CANCELLED: 499,
  PROVIDER_ERROR: 502,
  PROVIDER_TIMEOUT: 504,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface AppErrorOptions {
  cause?: unknown;
  /** Seconds, sent as `Retry-After` on 429 and 503. */
  retryAfter?: number;
  /** The limit that refused a 429, sent as its `X-RateLimit-*` headers (not the general limit's). */
  rateLimit?: RateLimitHeaders;
  /** Extra fields merged into the error body (e.g. `sessionId` when the model failed). */
  extra?: Record<string, unknown>;
  details?: unknown[];
}

export interface RateLimitHeaders {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfter?: number;
  readonly rateLimit?: RateLimitHeaders;
  readonly extra?: Record<string, unknown>;
  readonly details?: unknown[];

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = statusOfCode[code];
    this.retryAfter = options.retryAfter;
    this.rateLimit = options.rateLimit;
    this.extra = options.extra;
    this.details = options.details;
  }

  /** The wire body: `{ error, code, ...extra, details? }`. Never a stack. */
  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = { error: this.message, code: this.code, ...this.extra };
    if (this.details && this.details.length > 0) body.details = this.details;
    return body;
  }

  withExtra(extra: Record<string, unknown>): AppError {
    return new AppError(this.code, this.message, {
      cause: this.cause,
      retryAfter: this.retryAfter,
      rateLimit: this.rateLimit,
      details: this.details,
      extra: { ...this.extra, ...extra },
    });
  }
}

/** Any thrown value as an AppError: unknown errors become INTERNAL with a generic message. */
export function toAppError(value: unknown): AppError {
  if (value instanceof AppError) return value;
  // The store cannot be reached: 503 on every path (answers, WebSocket frames), not only REST.
  if (value instanceof StoreUnavailableError) {
    return new AppError('UNAVAILABLE', 'The database is unreachable; retry shortly.', { cause: value, retryAfter: 1 });
  }
  return new AppError('INTERNAL', 'An internal error occurred; it has been logged.', { cause: value });
}

export const notFound = (what: 'agent' | 'session' | 'message' | 'user' | 'route', id?: string): AppError => {
  switch (what) {
    case 'agent':
      return new AppError('AGENT_NOT_FOUND', 'No agent found with that ID');
    case 'session':
      return new AppError('SESSION_NOT_FOUND', 'No session found with that ID');
    case 'message':
      return new AppError('MESSAGE_NOT_FOUND', 'No message found with that ID');
    case 'user':
      return new AppError('USER_NOT_FOUND', 'No user found with that ID');
    default:
      return new AppError('NOT_FOUND', id ? `Route ${id} not found` : 'Not found');
  }
};
