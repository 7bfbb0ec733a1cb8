import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditAction, type AuditTargetType } from './audit-actions';

/** What GET /api/audit and its export may be narrowed to. */
export interface AuditFilter {
  /** A username, `partner key <prefix>` or `system`, case-insensitive; a failed sign-in's tried username too. */
  actor?: string;
  action?: AuditAction[];
  targetType?: AuditTargetType;
  targetId?: string;
  from?: string;
  to?: string;
}

const isoDate = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z' });
/** A parameter given once; `?actor=a&actor=b` arrives as an array and is refused. */
const single = <T extends z.ZodType<unknown, string>>(schema: T) => z.string({ error: 'expected one value' }).pipe(schema);
const text = (what: string) => single(z.string().trim().min(1, `expected ${what}`).max(200, 'expected at most 200 characters'));
const actionList = z
  .union([z.string(), z.array(z.string())], { error: `expected a comma list of ${AUDIT_ACTIONS.join(', ')}` })
  .transform((v) => (Array.isArray(v) ? v.join(',') : v).split(',').map((s) => s.trim()).filter((s) => s !== ''))
  .pipe(z.array(z.enum(AUDIT_ACTIONS, { error: `expected a comma list of ${AUDIT_ACTIONS.join(', ')}` })).min(1, 'expected at least one action'));

const filterShape = {
  actor: text('a username').optional().describe('Who: a username, `partner key <prefix>` or `system` (case-insensitive)'),
  action: actionList.optional().describe(`Comma list of actions: ${AUDIT_ACTIONS.join(', ')}`),
  targetType: single(z.enum(AUDIT_TARGET_TYPES, { error: `expected one of ${AUDIT_TARGET_TYPES.join(', ')}` })).optional().describe(`What was acted on: ${AUDIT_TARGET_TYPES.join(', ')}`),
  targetId: text('an id').optional().describe('The target id (a user id, a log id…); with targetType or alone'),
  from: single(isoDate).optional().describe('At or after this time (ISO 8601)'),
  to: single(isoDate).optional().describe('At or before this time (ISO 8601)'),
};

const fromNotAfterTo = (f: { from?: string; to?: string }) => !f.from || !f.to || new Date(f.from) <= new Date(f.to);
const fromNotAfterToIssue = { path: ['to'], message: 'must not be before from' };

const toFilter = ({ actor, action, targetType, targetId, from, to }: z.output<z.ZodObject<typeof filterShape>>): AuditFilter => ({
  ...(actor === undefined ? {} : { actor }),
  ...(action === undefined ? {} : { action }),
  ...(targetType === undefined ? {} : { targetType }),
  ...(targetId === undefined ? {} : { targetId }),
  ...(from === undefined ? {} : { from }),
  ...(to === undefined ? {} : { to }),
});

/** `GET /api/audit/export?<filter>`. */
export const auditExportQuerySchema = z.object(filterShape).strict().refine(fromNotAfterTo, fromNotAfterToIssue).transform(toFilter);

const LIMIT_MESSAGE = 'expected a whole number from 1 to 200';
const wholeNumberText = (v: unknown) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v);
const limit = z.preprocess(wholeNumberText, z.number({ error: LIMIT_MESSAGE }).int(LIMIT_MESSAGE).min(1, LIMIT_MESSAGE).max(200, LIMIT_MESSAGE));

/** `GET /api/audit?<filter>&limit=50&cursor=…`. */
export const auditListQuerySchema = z
  .object({
    ...filterShape,
    limit: limit.default(50).describe('Rows per page, 1-200 (50)'),
    cursor: single(z.string().min(1, 'expected the nextCursor of the previous page').max(200, 'is not a cursor this API gave')).optional().describe('nextCursor of the previous page'),
  })
  .strict()
  .refine(fromNotAfterTo, fromNotAfterToIssue)
  .transform(({ limit: size, cursor, ...rest }) => ({ filter: toFilter(rest), limit: size, ...(cursor === undefined ? {} : { cursor }) }));
