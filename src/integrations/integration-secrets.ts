import { randomBytes } from 'node:crypto';

/**
 * The secrets an integration keeps in its extra details (the authentication's `extra_details` or a
 * trigger's `integration_extra_details`). Labwire SENDS them (`x-api-key`) or SIGNS with them
 * (`signingSecret`), so they are stored as given, never hashed; the API writes them and never
 * reads them back: every answer shows them masked.
 */
export const SECRET_DETAIL_KEYS = ['x-api-key', 'signingSecret'] as const;

/** Kept after a signing secret is replaced, so both sign until `expiresAt` (ISO 8601). Written by Labwire only. */
export const PREVIOUS_SIGNING_SECRET = 'previousSigningSecret';
export interface PreviousSigningSecret {
  secret: string;
  expiresAt: string;
}

type Details = Record<string, unknown>;

/** A secret should not be shown in part when it is short: below 16 characters nothing of it is shown. */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `…${value.slice(-4)}` : '…';
}

/** A masked value, as answered on reads: starts with the ellipsis. Sent back, it would replace the real secret. */
export const isMaskedSecret = (value: string) => value.startsWith('…');

function previousOf(details: Details, now: Date): PreviousSigningSecret | undefined {
  const previous = details[PREVIOUS_SIGNING_SECRET] as Partial<PreviousSigningSecret> | undefined;
  if (typeof previous?.secret !== 'string' || typeof previous.expiresAt !== 'string') return undefined;
  return Date.parse(previous.expiresAt) > now.getTime() ? (previous as PreviousSigningSecret) : undefined;
}

/** Extra details as every API answer shows them: secrets masked, a previous signing secret only while it still signs. */
export function maskedDetails(details: Details, now = new Date()): Details {
  const shown: Details = { ...details };
  for (const key of SECRET_DETAIL_KEYS) {
    if (typeof shown[key] === 'string') shown[key] = maskSecret(shown[key]);
  }
  delete shown[PREVIOUS_SIGNING_SECRET];
  const previous = previousOf(details, now);
  if (previous) shown[PREVIOUS_SIGNING_SECRET] = { secret: maskSecret(previous.secret), expiresAt: previous.expiresAt };
  return shown;
}

/** The secrets a webhook is signed with now: the current one first, then the previous one during its overlap. */
export function signingSecretsAt(details: Details, now: Date): string[] {
  const current = details.signingSecret;
  if (typeof current !== 'string') return [];
  const previous = previousOf(details, now);
  return previous && previous.secret !== current ? [current, previous.secret] : [current];
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes, base64. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Sets the signing secret of stored details. A different secret replaces the current one, which
 * keeps signing beside it for `overlapMs` (0: at once only the new one signs).
 */
export function withSigningSecret(stored: Details, secret: string, now: Date, overlapMs: number): Details {
  const current = stored.signingSecret;
  const next: Details = { ...stored, signingSecret: secret };
  if (typeof current !== 'string' || current === secret) return next;
  delete next[PREVIOUS_SIGNING_SECRET];
  if (overlapMs > 0) next[PREVIOUS_SIGNING_SECRET] = { secret: current, expiresAt: new Date(now.getTime() + overlapMs).toISOString() } satisfies PreviousSigningSecret;
  return next;
}

/**
 * The write rule of Add/Update for secrets (the API never hands them back, so a form cannot
 * send them again): a secret left out keeps the stored one, `null` removes it, a value sets it.
 * Every other detail is replaced by what was sent.
 */
export function mergeSecretDetails(stored: Details, input: Details, now: Date, overlapMs: number): Details {
  let merged: Details = { ...input };
  delete merged.signingSecret;
  delete merged[PREVIOUS_SIGNING_SECRET];
  const apiKey = input['x-api-key'];
  if (apiKey === undefined && typeof stored['x-api-key'] === 'string') merged['x-api-key'] = stored['x-api-key'];
  if (apiKey === null) delete merged['x-api-key'];
  const secret = input.signingSecret;
  if (secret === null) return merged;
  const kept: Details = {};
  if (typeof stored.signingSecret === 'string') kept.signingSecret = stored.signingSecret;
  const previous = previousOf(stored, now);
  if (previous) kept[PREVIOUS_SIGNING_SECRET] = previous;
  merged = { ...merged, ...kept };
  return typeof secret === 'string' ? withSigningSecret(merged, secret, now, overlapMs) : merged;
}
