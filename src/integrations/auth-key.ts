import { randomBytes } from 'node:crypto';

/** 192 random bits, URL-safe; the prefix makes a leaked key easy to recognise in logs and scanners. */
export function generateAuthKey(): string {
  return `lw_${randomBytes(24).toString('base64url')}`;
}
