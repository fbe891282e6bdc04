/** What a failed connection says about itself, for messages that tell the operator what to change. */

/** host:port/path of a URL, without its credentials (a message may end up in a log). */
export function endpoint(url: string, defaultPort: number): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || defaultPort}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return 'the configured address';
  }
}

/** The first `code` such as ECONNREFUSED along the error's chain of causes (and aggregated errors). */
export function systemCode(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = systemCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return systemCode(error.cause, depth + 1);
}

/** The system call that failed (`listen`, `connect`), when the error says. */
export function systemCall(error: unknown): string | undefined {
  const syscall = (error as { syscall?: unknown } | undefined)?.syscall;
  return typeof syscall === 'string' ? syscall : undefined;
}
