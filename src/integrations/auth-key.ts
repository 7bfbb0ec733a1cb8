import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 192 random bits, URL-safe; the prefix makes a leaked key easy to recognise in logs and scanners. */
export function generateAuthKey(): string {
  return `lw_${randomBytes(24).toString('base64url')}`;
}

/** Constant-time comparison, so response timing does not reveal how much of a key was right. */
export function authKeysMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
