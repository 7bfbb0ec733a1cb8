/**
 * Permanent, caller-caused failures. The API maps them to 400/404/409; activities list them as
 * non-retryable for Temporal, since retrying cannot make them succeed.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
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
