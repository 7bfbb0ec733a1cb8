import { createHash, randomBytes } from 'node:crypto';

/**
 * How many leading characters of a key are kept in clear: `lw_` and 9 random characters (54 bits),
 * enough to tell a lab's keys apart in the dashboard and in logs; the other 138 bits stay secret.
 */
export const AUTH_KEY_PREFIX_LENGTH = 12;

/** What is stored of an auth key: its SHA-256 and the visible prefix. The key itself is shown once. */
export interface IssuedAuthKey {
  authKey: string;
  authKeyHash: string;
  authKeyPrefix: string;
}

/**
 * A SHA-256 of the key, hex. The key has 192 random bits, so no salt or slow hash is needed (as
 * for session tokens): nobody can guess a key from its hash, and a lookup by hash is a lookup by
 * a value the caller cannot steer towards a stored one.
 */
export function hashAuthKey(authKey: string): string {
  return createHash('sha256').update(authKey, 'utf8').digest('hex');
}

export function authKeyPrefix(authKey: string): string {
  return authKey.slice(0, AUTH_KEY_PREFIX_LENGTH);
}

/** 192 random bits, URL-safe; the `lw_` prefix makes a leaked key easy to recognise in logs and scanners. */
export function generateAuthKey(): string {
  return `lw_${randomBytes(24).toString('base64url')}`;
}

export function issueAuthKey(): IssuedAuthKey {
  const authKey = generateAuthKey();
  return { authKey, authKeyHash: hashAuthKey(authKey), authKeyPrefix: authKeyPrefix(authKey) };
}
