import { z } from 'zod';
import { positiveId } from '../validation';
import type { LogStatus } from '../../workflows/types';

const isoDate = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z' });

/** `SUPPRESSED` is the dashboard's name for the blank status (SPEC §4); `''` is accepted too. */
const statusName = z.enum(['QUEUED', 'SUCCESS', 'FAIL', 'SUPPRESSED', ''], { error: 'expected QUEUED, SUCCESS, FAIL or SUPPRESSED' });
export type LogStatusName = z.infer<typeof statusName>;

const filterShape = {
  type: z.enum(['WEBHOOK', 'API'], { error: 'expected WEBHOOK or API' }).optional(),
  labId: positiveId.optional(),
  developerId: positiveId.optional(),
  actionCategoryId: positiveId.optional(),
  status: z.array(statusName).min(1, 'expected at least one status').optional(),
  /** Without a status, suppressed (blank) logs are left out unless this is true. */
  includeSuppressed: z.boolean().optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  /** Which date `from` and `to` apply to; inserted_at when absent. */
  dateField: z.enum(['inserted_at', 'activity_date'], { error: 'expected inserted_at or activity_date' }).optional(),
  /** true: only test deliveries (Send a test); false: none of them. Absent: the list shows both, the figures leave tests out. */
  test: z.boolean({ error: 'expected true or false' }).optional(),
  /** Where the deliveries went, as their rows name it (a host[:port]; GET /api/endpoints lists them). */
  endpoint: z.string().trim().min(1, 'expected a host[:port] as GET /api/endpoints names it').max(300, 'expected at most 300 characters').optional(),
  /** A 24-hex log id, an entity such as `bill:900001`, or else an event id. */
  q: z.string().trim().min(1, 'expected a log id, an event id or an entity like bill:900001').max(200, 'expected at most 200 characters').optional(),
};

const fromNotAfterTo = (f: { from?: string; to?: string }) => !f.from || !f.to || new Date(f.from) <= new Date(f.to);
const fromNotAfterToIssue = { path: ['to'], message: 'must not be before from' };

/** The dashboard's filters over logs (SPEC §7), as JSON; bulk retry takes the same ones. */
export const logFilterSchema = z.object(filterShape).strict().refine(fromNotAfterTo, fromNotAfterToIssue);

export type LogFilter = z.infer<typeof logFilterSchema>;

/** What `q` searches for. */
export type LogSearch = { kind: 'logId'; id: string } | { kind: 'entity'; type: string; id: number } | { kind: 'eventId'; id: string };

export function parseLogSearch(q: string): LogSearch {
  const text = q.trim();
  if (/^[0-9a-f]{24}$/i.test(text)) return { kind: 'logId', id: text.toLowerCase() };
  const entity = /^([a-z][a-z_]*):(\d{1,15})$/i.exec(text);
  if (entity?.[1] && entity[2] && Number(entity[2]) > 0) return { kind: 'entity', type: entity[1].toLowerCase(), id: Number(entity[2]) };
  return { kind: 'eventId', id: text };
}

/** The stored status values a filter asks for; undefined = every status but the suppressed ones (or every one). */
export function filterStatuses(filter: LogFilter): LogStatus[] | undefined {
  if (!filter.status) return undefined;
  return [...new Set(filter.status.map((s): LogStatus => (s === 'SUPPRESSED' ? '' : s)))];
}

// ---- The same filter from an Express query string (every value a string) ----

const integerText = (v: unknown) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v);
/** An optional id in a query string. */
export const queryId = z.preprocess(integerText, positiveId).optional();
/** A parameter given once; `?q=a&q=b` arrives as an array and is refused. */
const single = <T extends z.ZodType<unknown, string>>(schema: T) => z.string({ error: 'expected one value' }).pipe(schema);

const statusList = z
  .union([z.string(), z.array(z.string())], { error: 'expected a comma list of QUEUED, SUCCESS, FAIL, SUPPRESSED' })
  .transform((v) => (Array.isArray(v) ? v.join(',') : v).split(',').map((s) => s.trim().toUpperCase()))
  .pipe(z.array(z.enum(['QUEUED', 'SUCCESS', 'FAIL', 'SUPPRESSED'], { error: 'expected a comma list of QUEUED, SUCCESS, FAIL, SUPPRESSED' })));

const queryBoolean = z.enum(['true', 'false'], { error: 'expected true or false' }).transform((v) => v === 'true');

const queryFilterShape = {
  type: single(filterShape.type.unwrap()).optional(),
  labId: queryId,
  developerId: queryId,
  actionCategoryId: queryId,
  status: statusList.optional(),
  includeSuppressed: single(queryBoolean).optional(),
  from: single(isoDate).optional(),
  to: single(isoDate).optional(),
  dateField: single(filterShape.dateField.unwrap()).optional(),
  test: single(queryBoolean).optional(),
  endpoint: single(filterShape.endpoint.unwrap()).optional(),
  q: single(filterShape.q.unwrap()).optional(),
};

const MAX_CURSOR_LENGTH = 512;
const pageShape = {
  limit: z.preprocess(integerText, z.number({ error: 'expected a whole number from 1 to 200' }).int('expected a whole number from 1 to 200').min(1, 'expected a whole number from 1 to 200').max(200, 'expected a whole number from 1 to 200')).default(50),
  cursor: single(z.string().min(1, 'expected the nextCursor of the previous page').max(MAX_CURSOR_LENGTH, 'is not a cursor this API gave')).optional(),
};

/** Unknown parameters fail with their own name as the field and the list of the known ones (which a strict object's issue does not carry). */
export function knownParameters<S extends Record<string, z.ZodType>>(shape: S) {
  const known = Object.keys(shape);
  return z.looseObject(shape).superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `unknown parameter; the known ones are ${known.join(', ')}` });
    }
  });
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toFilter(parsed: z.output<ReturnType<typeof knownParameters<typeof queryFilterShape>>>): LogFilter {
  const { type, labId, developerId, actionCategoryId, status, includeSuppressed, from, to, dateField, test, endpoint, q } = parsed;
  return withoutUndefined({ type, labId, developerId, actionCategoryId, status, includeSuppressed, from, to, dateField, test, endpoint, q });
}

/** `GET /api/logs/stats?<filter>` (and the filter part of every log query string) → a LogFilter. */
export const logFilterQueryStringSchema = knownParameters(queryFilterShape).refine(fromNotAfterTo, fromNotAfterToIssue).transform(toFilter);

/** `GET /api/logs?<filter>&limit=50&cursor=…` → the filter and the page asked for. */
export const logListQueryStringSchema = knownParameters({ ...queryFilterShape, ...pageShape })
  .refine(fromNotAfterTo, fromNotAfterToIssue)
  .transform((parsed) => ({ filter: toFilter(parsed), limit: parsed.limit, ...(parsed.cursor === undefined ? {} : { cursor: parsed.cursor }) }));

export type LogListQuery = z.output<typeof logListQueryStringSchema>;
