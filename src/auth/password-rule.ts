import { z } from 'zod';

/**
 * bcrypt reads only the first 72 bytes of a password and silently ignores the rest, so two long
 * passwords sharing a prefix would both open the account. A longer password is refused where it
 * is set (rather than pre-hashed, which would change every stored hash's format); 72 bytes is
 * still 12+ words of a passphrase. Sign-in does not check it: hashes made before this rule keep
 * working, since bcrypt cuts the attempt the same way.
 */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

export const PASSWORD_TOO_LONG = `must be at most ${BCRYPT_MAX_PASSWORD_BYTES} bytes in UTF-8 (bcrypt ignores anything longer)`;

export function passwordFitsBcrypt(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_PASSWORD_BYTES;
}

/** Every password a person chooses: the API's user add, `labwire user add`, ADMIN_PASSWORD. */
export const passwordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .refine(passwordFitsBcrypt, PASSWORD_TOO_LONG);
