import { AppError, toAppError } from '../errors.ts';
import { ProviderError } from '../providers/chat-model.ts';

/** What a client is told when the model call (with every fallback) failed. */
export function providerFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ProviderError) {
    if (error.kind === 'timeout') return new AppError('PROVIDER_TIMEOUT', 'The model provider did not answer in time, nor did any fallback; try again later.', { cause: error });
    if (error.kind === 'aborted') return new AppError('CANCELLED', 'The answer was cancelled.', { cause: error });
    // The upstream's own message stays in the logs (the cause): it can name internal hosts,
    // model ids or a masked API key, which a chat user must not see.
    const last = error.status !== undefined ? `HTTP ${error.status}` : error.kind;
    return new AppError('PROVIDER_ERROR', `The model provider failed and every fallback failed (last: ${last}); try again later.`, { cause: error });
  }
  return toAppError(error);
}
