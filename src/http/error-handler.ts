import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toAppError } from '../errors.ts';
import { StoreUnavailableError } from '../store/store.ts';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** What ajv's "must match format" means, said with an example a client can copy. */
const formatHints: Record<string, string> = {
  uuid: 'must be a UUID, such as the ids the API returns',
  'date-time': 'must be an ISO-8601 date and time with a time zone, such as 2026-03-17T10:00:00Z',
  email: 'must be an email address',
};

function describeIssue(context: string, issue: ValidationIssue): string {
  const path = `${context}${issue.instancePath ?? ''}`.replace(/\//g, '.');
  if (issue.keyword === 'additionalProperties') return `${path} has an unknown field "${String(issue.params?.additionalProperty)}"`;
  if (issue.keyword === 'required') return `${path} is missing the required field "${String(issue.params?.missingProperty)}"`;
  if (issue.keyword === 'pattern' && path.endsWith('message')) return `${path} must not be only white space`;
  const allowed = issue.params?.allowedValues;
  if (issue.keyword === 'enum' && Array.isArray(allowed)) return `${path} must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
  const formatHint = issue.keyword === 'format' ? formatHints[String(issue.params?.format)] : undefined;
  if (formatHint) return `${path} ${formatHint}`;
  return `${path} ${issue.message ?? 'is invalid'}`;
}

/**
 * A choice among constants (`order`: desc | asc, `role`, `status`) fails in ajv as one "must be
 * equal to constant" per branch, then "must match a schema in anyOf", none naming a value: they
 * become one issue listing the accepted values.
 */
function mergeChoices(issues: ValidationIssue[]): ValidationIssue[] {
  const merged: ValidationIssue[] = [];
  for (const issue of issues) {
    if (issue.keyword === 'anyOf') {
      const branches = merged.filter((earlier) => earlier.keyword === 'const' && earlier.instancePath === issue.instancePath);
      if (branches.length > 0) {
        const at = merged.indexOf(branches[0]!);
        const allowedValues = branches.map((branch) => branch.params?.allowedValue);
        const rest = merged.filter((earlier) => !branches.includes(earlier));
        rest.splice(at, 0, { instancePath: issue.instancePath, keyword: 'enum', params: { allowedValues } });
        merged.splice(0, merged.length, ...rest);
        continue;
      }
    }
    merged.push(issue);
  }
  return merged;
}

/** Every framework or library error as the AppError the client will see. */
export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof StoreUnavailableError) {
    return new AppError('UNAVAILABLE', 'The database is unreachable; retry shortly.', { cause: error, retryAfter: 1 });
  }
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fastifyError.validation) {
    const context = fastifyError.validationContext ?? 'request';
    const details = mergeChoices(fastifyError.validation).map((issue) => ({ path: `${context}${issue.instancePath ?? ''}`, message: describeIssue(context, issue) }));
    return new AppError('VALIDATION_ERROR', `Invalid request: ${details[0]?.message ?? 'validation failed'}.`, { details, cause: error });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large; send a shorter message.', { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with "Content-Type: application/json".', { cause: error });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_ERROR', 'The body is empty; send a JSON object.', { cause: error });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION_ERROR', 'The body is not valid JSON.', { cause: error });
    default:
      break;
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    // secure-json-parse refuses __proto__ and constructor.prototype keys with a SyntaxError.
    const message = /prototype/i.test(fastifyError.message) ? 'The body has a forbidden key (__proto__ or constructor.prototype).' : 'The body is not valid JSON.';
    return new AppError('VALIDATION_ERROR', message, { cause: error });
  }
  if (fastifyError.statusCode === 404) return new AppError('NOT_FOUND', 'Not found.', { cause: error });
  if (fastifyError.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.', { cause: error });
  if (fastifyError.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with "Content-Type: application/json".', { cause: error });
  return toAppError(error);
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  if (error.rateLimit !== undefined) {
    // The limit that refused, replacing the general request limit's figures set earlier.
    reply.header('x-ratelimit-limit', String(error.rateLimit.limit));
    reply.header('x-ratelimit-remaining', String(error.rateLimit.remaining));
    reply.header('x-ratelimit-reset', String(error.rateLimit.resetSeconds));
  }
  return reply.code(error.status).type('application/json; charset=utf-8').send(JSON.stringify(error.toBody()));
}

/** The one place where errors become responses. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = asAppError(error);
  if (appError.status >= 500 && appError.code !== 'UNAVAILABLE') {
    request.log.error({ err: appError.cause ?? appError, code: appError.code }, 'request failed');
  }
  return sendError(reply, appError);
}
