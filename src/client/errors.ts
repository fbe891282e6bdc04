import { statusOfCode, type ErrorCode } from '../errors.ts';
import type { ErrorFrame } from './types.ts';

/** The server's codes, plus the client's own for failures that never reached an answer. */
export type FleetchatErrorCode = ErrorCode | ClientErrorCode | (string & {});

/**
 * Codes made by the client itself (status 0: no HTTP answer): the network failed, the socket
 * closed while an answer was running, or the server answered something that is not the API.
 */
export type ClientErrorCode = 'CONNECTION_ERROR' | 'CONNECTION_CLOSED' | 'BAD_RESPONSE';

export interface FleetchatErrorOptions {
  code: FleetchatErrorCode;
  status: number;
  details?: unknown[];
  sessionId?: string;
  messageId?: string;
  retryAfter?: number;
  cause?: unknown;
}

/**
 * Every failure of the client: a non-2xx answer (with the server's `code` and HTTP `status`),
 * an `error` frame turned into an exception (`status` is what REST would have answered for that
 * code), or a transport failure (`status` 0).
 */
export class FleetchatError extends Error {
  readonly code: FleetchatErrorCode;
  readonly status: number;
  readonly details?: unknown[];
  /** The session the failed answer belonged to, when it had started. */
  readonly sessionId?: string;
  /** The stored (incomplete) assistant message, when the answer was cut after it began. */
  readonly messageId?: string;
  /** Seconds to wait before retrying (429, 503, 409 IDEMPOTENCY_IN_PROGRESS). */
  readonly retryAfter?: number;

  constructor(message: string, options: FleetchatErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FleetchatError';
    this.code = options.code;
    this.status = options.status;
    if (options.details !== undefined) this.details = options.details;
    if (options.sessionId !== undefined) this.sessionId = options.sessionId;
    if (options.messageId !== undefined) this.messageId = options.messageId;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }

  /** The exception for a stream's `error` frame. */
  static fromFrame(frame: ErrorFrame): FleetchatError {
    return new FleetchatError(frame.error, {
      code: frame.code,
      status: statusOf(frame.code),
      details: frame.details,
      sessionId: frame.sessionId,
      messageId: frame.messageId,
      retryAfter: frame.retryAfter,
    });
  }
}

/** The HTTP status the server uses for `code` (0 for codes it does not know). */
export function statusOf(code: string): number {
  return (statusOfCode as Record<string, number>)[code] ?? 0;
}

/** Builds the error for a non-2xx response from its status, headers and (maybe JSON) body. */
export function errorFromResponse(status: number, headers: Headers, text: string): FleetchatError {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // A proxy's HTML error page, for example: keep the status, say what came back.
  }
  const retryHeader = headers.get('retry-after');
  const retryAfter = retryHeader !== null && /^\d+$/.test(retryHeader) ? Number(retryHeader) : undefined;
  if (!body || typeof body.code !== 'string') {
    return new FleetchatError(`The server answered ${status} without an API error body.`, { code: 'BAD_RESPONSE', status, retryAfter });
  }
  return new FleetchatError(typeof body.error === 'string' ? body.error : `Request failed with ${status}.`, {
    code: body.code,
    status,
    details: Array.isArray(body.details) ? body.details : undefined,
    sessionId: typeof body.sessionId === 'string' ? body.sessionId : undefined,
    messageId: typeof body.messageId === 'string' ? body.messageId : undefined,
    retryAfter,
  });
}
