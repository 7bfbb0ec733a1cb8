/**
 * Permanent, caller-caused failures. The API maps them to 400/404/409; activities list them as
 * non-retryable for Temporal, since retrying cannot make them succeed.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly field: string,
    /** What is wrong with the field, without its name (the message carries both). */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A failed query's error without the values bound to it. Drizzle's `DrizzleQueryError` puts every
 * parameter into its message and `params`, and those may be secrets (an integration's extra
 * details) or patient data (a partner's answer in a log row); logs and Temporal failures get the
 * statement and the database's own reason instead. Any other value is returned as it is.
 */
export function withoutQueryValues(error: unknown): unknown {
  if (!(error instanceof Error) || !('query' in error) || !('params' in error)) return error;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const reason = [cause?.code, cause?.message].filter((part) => typeof part === 'string' && part !== '').join(' ');
  const safe = new Error(`Failed query: ${String(error.query)}${reason ? ` (${reason})` : ''}`);
  safe.name = 'QueryError';
  // The stack's first lines restate the message (parameters included): only its frames are kept.
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  safe.stack = [`${safe.name}: ${safe.message}`, ...frames].join('\n');
  return safe;
}
