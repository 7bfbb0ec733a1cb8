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
