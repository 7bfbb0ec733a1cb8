import { createHash } from 'node:crypto';
import { InputError } from '../errors';
import type { AuditFilter } from './audit-filter';

const NOT_OUR_CURSOR = 'is not a cursor this API gave for this filter; start again from the first page';

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 10);

/** A cursor is bound to its filter, as the logs' are: the same position means nothing under another one. */
const filterDigest = (filter: AuditFilter) => digest(`labwire-audit-filter\u0000${JSON.stringify(Object.entries(filter).sort(([a], [b]) => a.localeCompare(b)))}`);

/** Opaque to clients: the id of the last row shown, with a checksum that catches edits. */
export function encodeAuditCursor(lastId: number, filter: AuditFilter): string {
  const body = Buffer.from(JSON.stringify({ i: lastId, f: filterDigest(filter) })).toString('base64url');
  return `${body}.${digest(`labwire-audit-cursor\u0000${body}`)}`;
}

/** The id the next page starts below. */
export function decodeAuditCursor(cursor: string, filter: AuditFilter): number {
  const [body, sum, extra] = cursor.split('.');
  if (!body || !sum || extra !== undefined || digest(`labwire-audit-cursor\u0000${body}`) !== sum) throw new InputError('cursor', NOT_OUR_CURSOR);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new InputError('cursor', NOT_OUR_CURSOR);
  }
  const { i, f } = (decoded ?? {}) as { i?: unknown; f?: unknown };
  if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 1 || f !== filterDigest(filter)) throw new InputError('cursor', NOT_OUR_CURSOR);
  return i;
}
