/**
 * Request and response headers are stored in the delivery log and shown on the dashboard,
 * so credentials are replaced before they leave the activity.
 */
export const REDACTED = '[REDACTED]';

const secretHeaderNames = new Set(['x-api-key', 'authorization', 'proxy-authorization', 'webhook-signature', 'cookie', 'set-cookie']);
const secretNameParts = ['secret', 'token', 'key'];
/** The idempotency key is the log id, not a credential; operators need it to match a partner's records. */
const publicHeaderNames = new Set(['idempotency-key']);

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (publicHeaderNames.has(lower)) return false;
  return secretHeaderNames.has(lower) || secretNameParts.some((part) => lower.includes(part));
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSecretHeader(name) ? REDACTED : value]));
}
