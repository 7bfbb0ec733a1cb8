import { createHash } from 'node:crypto';
import type { Collection, Filter } from 'mongodb';
import { InputError } from '../errors';
import type { LogDocument } from './log-document';
import { filterStatuses, logFilterBase, type LogFilter } from './log-filter';
import type { LogStatus } from '../../workflows/types';

/**
 * The dashboard's reads over delivery logs (SPEC §7): a page of rows and the figures of a filter.
 *
 * Shaped for FerretDB 1.x on PostgreSQL, which pushes down to SQL only top-level equalities (and
 * `$ne`), never `$in`/`$or`/ranges, never a sort, and a limit only when there is neither a filter
 * nor a sort: so each status of a filter is its own query with `status` as an equality, and the
 * results are merged here. The figures are in docs/log-query-benchmark.md.
 */

/** One row of the log list: the contract's LogRow without `lab_name` (the API adds it). */
export interface LogRow {
  id: string;
  type: LogDocument['type'];
  operation: string;
  lab_id: number | null;
  developer_id: number | null;
  developer_name: string | null;
  action_category_id: number | null;
  integration_type: string | null;
  endpoint: string | null;
  /** '' = suppressed. */
  status: LogStatus;
  response_status_code: number | null;
  response_time: number | null;
  error_message: string | null;
  inserted_at: string;
  activity_date: string | null;
  updated_at: string | null;
  retry_count: number;
  auto_retry_count: number;
  event_id: string | null;
  /** `bill:900001`, from the retry context; null for API logs. */
  entity: string | null;
}

export interface LogPage {
  items: LogRow[];
  nextCursor: string | null;
}

export interface LogStats {
  total: number;
  byStatus: { SUCCESS: number; FAIL: number; QUEUED: number; SUPPRESSED: number };
  /** SUCCESS / (SUCCESS + FAIL), 0..1; null when neither. */
  successRate: number | null;
  responseTimeMs: { p50: number; p95: number } | null;
  series: { bucketMs: number; points: Array<{ t: string; total: number; failed: number }> };
}

export const ERROR_MESSAGE_MAX = 300;

/** The log store did not answer within the time allowed (`maxTimeMS`): the filter is too broad for it. */
export class LogQueryTimeoutError extends Error {
  override name = 'LogQueryTimeoutError';
  constructor(readonly maxTimeMS: number) {
    super(`the log store did not answer within ${maxTimeMS} ms; narrow the filter (a lab, a status, a shorter date range)`);
  }
}

const isMaxTimeExpired = (error: unknown) => (error as { code?: unknown }).code === 50;

async function withinTime<T>(maxTimeMS: number | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (maxTimeMS !== undefined && isMaxTimeExpired(error)) throw new LogQueryTimeoutError(maxTimeMS);
    throw error;
  }
}

/** Only the fields of a row: request and response bodies never travel in a list. */
const ROW_PROJECTION = {
  _id: 1,
  type: 1,
  operation: 1,
  lab_id: 1,
  developer_id: 1,
  developer_name: 1,
  action_category_id: 1,
  integration_type: 1,
  endpoint: 1,
  status: 1,
  response_status_code: 1,
  response_time: 1,
  error_message: 1,
  inserted_at: 1,
  activity_date: 1,
  updated_at: 1,
  retry_count: 1,
  auto_retry_count: 1,
  event_id: 1,
  retry_context: 1,
} as const;

type RowDocument = Pick<LogDocument, keyof typeof ROW_PROJECTION>;

const iso = (d: Date | null | undefined): string | null => (d instanceof Date ? d.toISOString() : null);

function cut(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return text.length <= ERROR_MESSAGE_MAX ? text : `${text.slice(0, ERROR_MESSAGE_MAX - 1)}…`;
}

export function toLogRow(doc: RowDocument): LogRow {
  const context = doc.retry_context;
  return {
    id: doc._id,
    type: doc.type,
    operation: doc.operation,
    lab_id: doc.lab_id ?? null,
    developer_id: doc.developer_id ?? null,
    developer_name: doc.developer_name ?? null,
    action_category_id: doc.action_category_id ?? null,
    integration_type: doc.integration_type ?? null,
    endpoint: doc.endpoint ?? null,
    status: doc.status,
    response_status_code: doc.response_status_code ?? null,
    response_time: doc.response_time ?? null,
    error_message: cut(doc.error_message),
    inserted_at: doc.inserted_at.toISOString(),
    activity_date: iso(doc.activity_date),
    updated_at: iso(doc.updated_at),
    retry_count: doc.retry_count ?? 0,
    auto_retry_count: doc.auto_retry_count ?? 0,
    event_id: doc.event_id ?? null,
    entity: context?.entity_type && context.entity_id !== undefined ? `${context.entity_type}:${context.entity_id}` : null,
  };
}

// ---- Cursors ----

/** Where a page ended: its last row's inserted_at and id (the order is inserted_at desc, then _id desc). */
export interface LogPosition {
  insertedAt: Date;
  id: string;
}

const NOT_OUR_CURSOR = 'is not a cursor this API gave for this filter; start again from the first page';

/** A cursor is bound to its filter: the same position means nothing under another one. */
function filterDigest(filter: LogFilter): string {
  const canonical = JSON.stringify(Object.entries(filter).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 10);
}

function checksum(body: string): string {
  return createHash('sha256').update(`labwire-log-cursor\u0000${body}`).digest('base64url').slice(0, 10);
}

/** Opaque to clients; the checksum catches edits and truncation (not a secret: a position is not sensitive). */
export function encodeCursor(position: LogPosition, filter: LogFilter): string {
  const body = Buffer.from(JSON.stringify({ t: position.insertedAt.getTime(), i: position.id, f: filterDigest(filter) })).toString('base64url');
  return `${body}.${checksum(body)}`;
}

export function decodeCursor(cursor: string, filter: LogFilter): LogPosition {
  const [body, sum, extra] = cursor.split('.');
  if (!body || !sum || extra !== undefined || checksum(body) !== sum) throw new InputError('cursor', NOT_OUR_CURSOR);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new InputError('cursor', NOT_OUR_CURSOR);
  }
  const { t, i, f } = (decoded ?? {}) as { t?: unknown; i?: unknown; f?: unknown };
  if (typeof t !== 'number' || !Number.isFinite(t) || typeof i !== 'string' || f !== filterDigest(filter)) {
    throw new InputError('cursor', NOT_OUR_CURSOR);
  }
  return { insertedAt: new Date(t), id: i };
}

// ---- Queries ----

/**
 * The filter as queries whose union is the filter, each with `status` as a top-level equality
 * (FerretDB evaluates `$in` itself after reading every log; an equality is done by PostgreSQL).
 * Without a status: every log but the suppressed ones (`$ne`, also pushed down), or every log.
 */
export function pushdownQueries(filter: LogFilter): Array<Filter<LogDocument>> {
  const base = logFilterBase(filter);
  const statuses = filterStatuses(filter);
  if (statuses) return statuses.map((status) => ({ ...base, status }));
  return [filter.includeSuppressed ? base : { ...base, status: { $ne: '' } }];
}

function after(query: Filter<LogDocument>, position: LogPosition | undefined): Filter<LogDocument> {
  if (!position) return query;
  const { insertedAt, id } = position;
  // The equalities stay at the top level so they are still pushed down; `$or` is evaluated by FerretDB.
  return { ...query, $or: [{ inserted_at: { $lt: insertedAt } }, { inserted_at: insertedAt, _id: { $lt: id } }] };
}

const newestFirst = (a: RowDocument, b: RowDocument): number =>
  b.inserted_at.getTime() - a.inserted_at.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);

export interface LogPageRequest {
  /** 1–200. */
  limit: number;
  /** The previous page's nextCursor. */
  cursor?: string;
  /** Server-side time limit per query; past it, a LogQueryTimeoutError. */
  maxTimeMS?: number;
}

/** A page of logs, newest first by inserted_at. */
export async function listLogs(collection: Collection<LogDocument>, filter: LogFilter, page: LogPageRequest): Promise<LogPage> {
  const limit = Math.max(1, Math.min(200, Math.floor(page.limit)));
  const position = page.cursor === undefined ? undefined : decodeCursor(page.cursor, filter);
  const { maxTimeMS } = page;
  const parts = await withinTime(maxTimeMS, () =>
    Promise.all(
      pushdownQueries(filter).map((query) =>
        collection
          .find<RowDocument>(after(query, position), { projection: ROW_PROJECTION, ...(maxTimeMS === undefined ? {} : { maxTimeMS }) })
          .sort({ inserted_at: -1, _id: -1 })
          .limit(limit + 1)
          .toArray(),
      ),
    ),
  );
  const merged = parts.flat().sort(newestFirst);
  const rows = merged.slice(0, limit);
  const last = rows[rows.length - 1];
  const nextCursor = merged.length > limit && last ? encodeCursor({ insertedAt: last.inserted_at, id: last._id }, filter) : null;
  return { items: rows.map(toLogRow), nextCursor };
}

// ---- Stats ----

const MINUTE = 60_000;
const BUCKETS_MS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 3 * 60 * MINUTE, 6 * 60 * MINUTE, 12 * 60 * MINUTE, 24 * 60 * MINUTE, 7 * 24 * 60 * MINUTE];
const MAX_POINTS = 60;

/** The smallest usual bucket that gives at most 60 points over the span (so 30–60 for most spans). */
export function bucketFor(spanMs: number): number {
  return BUCKETS_MS.find((bucket) => Math.ceil(Math.max(spanMs, 1) / bucket) <= MAX_POINTS) ?? Math.ceil(spanMs / MAX_POINTS / MINUTE) * MINUTE;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

type StatsDocument = Pick<LogDocument, 'status' | 'response_time' | 'inserted_at' | 'activity_date'>;

/**
 * Counts, success rate, response-time percentiles and a time series for a filter. Computed here
 * from a projection of the matching logs: FerretDB 1.x runs `$group` in its own process after
 * reading every matching log anyway, and has no percentile operator.
 */
export async function logStats(collection: Collection<LogDocument>, filter: LogFilter, options: { now?: Date; maxTimeMS?: number } = {}): Promise<LogStats> {
  const { now = new Date(), maxTimeMS } = options;
  // maxTimeMS bounds each batch on the server; the deadline bounds the whole read.
  const deadline = maxTimeMS === undefined ? Number.POSITIVE_INFINITY : Date.now() + maxTimeMS;
  const dateField = filter.dateField ?? 'inserted_at';
  const byStatus = { SUCCESS: 0, FAIL: 0, QUEUED: 0, SUPPRESSED: 0 };
  const times: number[] = [];
  const failedTimes: number[] = [];
  const responseTimes: number[] = [];
  const count = (doc: StatsDocument) => {
    const key = doc.status === '' ? 'SUPPRESSED' : doc.status;
    if (key in byStatus) byStatus[key] += 1;
    if (typeof doc.response_time === 'number') responseTimes.push(doc.response_time);
    const at = doc[dateField];
    if (at instanceof Date) {
      times.push(at.getTime());
      if (doc.status === 'FAIL') failedTimes.push(at.getTime());
    }
  };
  const projection = { _id: 0, status: 1, response_time: 1, [dateField]: 1 };
  const readAll = async (query: Filter<LogDocument>) => {
    const cursor = collection.find<StatsDocument>(query, { projection, batchSize: 5_000, ...(maxTimeMS === undefined ? {} : { maxTimeMS }) });
    try {
      for await (const doc of cursor) {
        if (Date.now() > deadline) throw new LogQueryTimeoutError(maxTimeMS ?? 0);
        count(doc);
      }
    } finally {
      await cursor.close();
    }
  };
  await withinTime(maxTimeMS, () => Promise.all(pushdownQueries(filter).map(readAll)));
  const total = byStatus.SUCCESS + byStatus.FAIL + byStatus.QUEUED + byStatus.SUPPRESSED;
  const sortedResponse = Float64Array.from(responseTimes).sort();
  return {
    total,
    byStatus,
    successRate: byStatus.SUCCESS + byStatus.FAIL > 0 ? byStatus.SUCCESS / (byStatus.SUCCESS + byStatus.FAIL) : null,
    responseTimeMs: sortedResponse.length > 0 ? { p50: percentile(sortedResponse, 50), p95: percentile(sortedResponse, 95) } : null,
    series: series(times, failedTimes, filter, now),
  };
}

function series(times: number[], failedTimes: number[], filter: LogFilter, now: Date): LogStats['series'] {
  const earliest = times.reduce((min, t) => Math.min(min, t), Number.POSITIVE_INFINITY);
  const latest = times.reduce((max, t) => Math.max(max, t), Number.NEGATIVE_INFINITY);
  const end = filter.to ? new Date(filter.to).getTime() : Number.isFinite(latest) ? latest : now.getTime();
  const start = Math.min(end, filter.from ? new Date(filter.from).getTime() : Number.isFinite(earliest) ? earliest : end - 24 * 60 * MINUTE);
  const bucketMs = bucketFor(end - start);
  const first = Math.floor(start / bucketMs) * bucketMs;
  const count = Math.floor(end / bucketMs) - Math.floor(start / bucketMs) + 1;
  const totals = new Array<number>(count).fill(0);
  const failed = new Array<number>(count).fill(0);
  const slot = (t: number) => Math.floor((t - first) / bucketMs);
  for (const t of times) {
    const i = slot(t);
    if (i >= 0 && i < count) totals[i] = (totals[i] ?? 0) + 1;
  }
  for (const t of failedTimes) {
    const i = slot(t);
    if (i >= 0 && i < count) failed[i] = (failed[i] ?? 0) + 1;
  }
  return { bucketMs, points: totals.map((total, i) => ({ t: new Date(first + i * bucketMs).toISOString(), total, failed: failed[i] ?? 0 })) };
}
