import { timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of a secret someone sent (auth key, CSRF token, bearer token) with the expected one. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer …` header, if it is the expected one. */
export function bearerMatches(authorization: string | undefined, expected: string | undefined): boolean {
  const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  return expected !== undefined && given !== undefined && sameSecret(given, expected);
}
