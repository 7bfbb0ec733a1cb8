import { createHash } from 'node:crypto';
import { and, count, eq, gte, inArray, isNotNull, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { logIndex } from '../db/schema';
import { InputError } from '../errors';
import { labScopeCondition, type LabScope } from '../auth/lab-scope';
import { filterStatuses, parseLogSearch, type LogFilter } from './log-filter';
import type { LogStatus } from '../../workflows/types';
import type { LogDocument } from './log-document';

/**
 * The dashboard's reads over delivery logs (SPEC §7): a page of rows and the figures of a filter,
 * answered by the read model in PostgreSQL (`log_index`, written by DeliveryLogs after every
 * change) with btree indexes that match each filter followed by the sort. The log store itself
 * (FerretDB 1.x here) scans every document for any filter: docs/log-query-benchmark.md.
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
  /** API logs: the endpoint called; deliveries: the target's host[:port] (a URL's host, a Mirth peer). */
  endpoint: string | null;
  /** Deliveries: the trigger (null for API logs) and the authentication; API logs: the calling key's authentication. */
  lab_integration_id: number | null;
  auth_id: number | null;
  /** '' = suppressed. */
  status: LogStatus;
  response_status_code: number | null;
  response_time: number | null;
  error_message: string | null;
  inserted_at: string;
  activity_date: string | null;
  updated_at: string;
  retry_count: number;
  auto_retry_count: number;
  event_id: string | null;
  /** `bill:900001`, from the retry context; null for API logs. */
  entity: string | null;
  /** A test delivery sent from Manage Integrations. */
  test: boolean;
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

const t = logIndex;

/**
 * The filter as SQL conditions on the read model, within the caller's labs: a filter naming a lab
 * out of scope matches nothing.
 */
export function filterConditions(filter: LogFilter, scope: LabScope): SQL[] {
  const where: SQL[] = [];
  const inScope = labScopeCondition(scope, t.labId);
  if (inScope) where.push(inScope);
  if (filter.type) where.push(eq(t.type, filter.type));
  if (filter.labId !== undefined) where.push(eq(t.labId, filter.labId));
  if (filter.developerId !== undefined) where.push(eq(t.developerId, filter.developerId));
  if (filter.actionCategoryId !== undefined) where.push(eq(t.actionCategoryId, filter.actionCategoryId));
  if (filter.test !== undefined) where.push(eq(t.test, filter.test));
  if (filter.endpoint !== undefined) where.push(eq(t.endpoint, filter.endpoint));
  if (filter.q !== undefined) {
    const search = parseLogSearch(filter.q);
    if (search.kind === 'logId') where.push(eq(t.id, search.id));
    else if (search.kind === 'eventId') where.push(eq(t.eventId, search.id));
    else where.push(eq(t.entityType, search.type), eq(t.entityId, search.id));
  }
  const dateColumn = filter.dateField === 'activity_date' ? t.activityDate : t.insertedAt;
  if (filter.from) where.push(gte(dateColumn, new Date(filter.from)));
  if (filter.to) where.push(lte(dateColumn, new Date(filter.to)));
  const statuses = filterStatuses(filter);
  if (statuses) where.push(statuses.length === 1 ? eq(t.status, statuses[0]!) : inArray(t.status, statuses));
  else if (!filter.includeSuppressed) where.push(ne(t.status, ''));
  return where;
}

const iso = (d: Date | null | undefined): string | null => (d instanceof Date ? d.toISOString() : null);

type IndexRow = typeof logIndex.$inferSelect;

export function toLogRow(row: IndexRow): LogRow {
  return {
    id: row.id,
    type: row.type,
    operation: row.operation,
    lab_id: row.labId,
    developer_id: row.developerId,
    developer_name: row.developerName,
    action_category_id: row.actionCategoryId,
    integration_type: row.integrationType,
    endpoint: row.endpoint,
    lab_integration_id: row.labIntegrationId,
    auth_id: row.authId,
    status: row.status as LogStatus,
    response_status_code: row.responseStatusCode,
    response_time: row.responseTime,
    error_message: row.errorMessage,
    inserted_at: row.insertedAt.toISOString(),
    activity_date: iso(row.activityDate),
    updated_at: row.updatedAt.toISOString(),
    retry_count: row.retryCount,
    auto_retry_count: row.autoRetryCount,
    event_id: row.eventId,
    entity: row.entityType && row.entityId !== null ? `${row.entityType}:${row.entityId}` : null,
    test: row.test,
  };
}

export interface LogPageRequest {
  /** 1–200. */
  limit: number;
  /** The previous page's nextCursor. */
  cursor?: string;
}

/** A page of logs, newest first by inserted_at (then id), as keyset pagination: stable while logs arrive. */
export async function listLogs(db: ConfigDb, scope: LabScope, filter: LogFilter, page: LogPageRequest): Promise<LogPage> {
  const limit = Math.max(1, Math.min(200, Math.floor(page.limit)));
  const where = filterConditions(filter, scope);
  if (page.cursor !== undefined) {
    const position = decodeCursor(page.cursor, filter);
    // A raw fragment's Date is not serialized by the driver: pass the instant as text, typed.
    where.push(sql`(${t.insertedAt}, ${t.id}) < (${position.insertedAt.toISOString()}::timestamptz, ${position.id})`);
  }
  const rows = await db
    .select()
    .from(t)
    .where(and(...where))
    // `desc nulls last`, as the indexes are built: plain DESC means NULLS FIRST, which no index matches.
    .orderBy(sql`${t.insertedAt} desc nulls last`, sql`${t.id} desc nulls last`)
    .limit(limit + 1);
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ insertedAt: last.insertedAt, id: last.id }, filter) : null;
  return { items: shown.map(toLogRow), nextCursor };
}

/** How many logs match (bulk retry's preview). */
export async function countLogs(db: ConfigDb, scope: LabScope, filter: LogFilter, extra: SQL[] = []): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(t)
    .where(and(...filterConditions(filter, scope), ...extra));
  return row?.n ?? 0;
}

/** Ids of matching logs after `afterId`, in id order (bulk retry pages through its selection with it). */
export async function logIdsAfter(db: ConfigDb, scope: LabScope, filter: LogFilter, extra: SQL[], afterId: string | undefined, limit: number): Promise<string[]> {
  const where = [...filterConditions(filter, scope), ...extra];
  if (afterId !== undefined) where.push(sql`${t.id} > ${afterId}`);
  const rows = await db
    .select({ id: t.id })
    .from(t)
    .where(and(...where))
    .orderBy(t.id)
    .limit(limit);
  return rows.map((row) => row.id);
}

// ---- Stats ----

const MINUTE = 60_000;
const BUCKETS_MS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 3 * 60 * MINUTE, 6 * 60 * MINUTE, 12 * 60 * MINUTE, 24 * 60 * MINUTE, 7 * 24 * 60 * MINUTE];
const MAX_POINTS = 60;

/** The smallest usual bucket that gives at most 60 points over the span (so 30–60 for most spans). */
export function bucketFor(spanMs: number): number {
  return BUCKETS_MS.find((bucket) => Math.ceil(Math.max(spanMs, 1) / bucket) <= MAX_POINTS) ?? Math.ceil(spanMs / MAX_POINTS / MINUTE) * MINUTE;
}

/** The value at fraction `p` of a sorted histogram, as percentile_disc picks it: the first whose cumulative share reaches p. */
export function histogramPercentile(histogram: Array<{ value: number; count: number }>, total: number, p: number): number | null {
  if (total === 0) return null;
  let seen = 0;
  for (const { value, count } of histogram) {
    seen += count;
    if (seen / total >= p) return value;
  }
  return histogram.at(-1)?.value ?? null;
}

/**
 * Counts by status, success rate, response-time percentiles and a time series for a filter, over
 * the same conditions as the list. First the date range (min/max, which the indexes answer), then
 * two aggregates at once on two connections: rows grouped by time bucket and status (the counts
 * and the series), and response times grouped by value (whole milliseconds, so the percentiles are
 * exact, as percentile_disc's, without sorting every row). At 1,000,000 logs this took the
 * unfiltered stats from 740 ms to about 300 ms (docs/log-query-benchmark.md).
 */
export async function logStats(db: ConfigDb, scope: LabScope, filter: LogFilter, options: { now?: Date } = {}): Promise<LogStats> {
  const now = options.now ?? new Date();
  // Test deliveries are not traffic: the figures leave them out unless the filter asks for them.
  const where = and(...filterConditions(filter.test === undefined ? { ...filter, test: false } : filter, scope));
  const dateColumn = filter.dateField === 'activity_date' ? t.activityDate : t.insertedAt;
  const [range] = await db.select({ earliest: sql<string | null>`min(${dateColumn})`, latest: sql<string | null>`max(${dateColumn})` }).from(t).where(where);

  const latest = range?.latest ? new Date(range.latest).getTime() : undefined;
  const earliest = range?.earliest ? new Date(range.earliest).getTime() : undefined;
  const end = filter.to ? new Date(filter.to).getTime() : (latest ?? now.getTime());
  const start = Math.min(end, filter.from ? new Date(filter.from).getTime() : (earliest ?? end - 24 * 60 * MINUTE));
  const bucketMs = bucketFor(end - start);
  const first = Math.floor(start / bucketMs) * bucketMs;
  const slots = Math.floor(end / bucketMs) - Math.floor(start / bucketMs) + 1;

  // date_bin from the epoch gives the same buckets as floor(ms / bucketMs); a row without the date
  // (an API log's activity_date) counts in the totals and in no bucket.
  const bucket = sql<string | null>`date_bin(${bucketMs} * interval '1 millisecond', ${dateColumn}, timestamptz '1970-01-01 00:00:00+00')`;
  const [groups, histogram] = await Promise.all([
    db
      .select({ bucket, status: t.status, count: sql<number>`count(*)::int` })
      .from(t)
      .where(where)
      // By position: the same expression written twice carries its parameters twice, which PostgreSQL does not match.
      .groupBy(sql`1`, sql`2`),
    db
      .select({ value: t.responseTime, count: sql<number>`count(*)::int` })
      .from(t)
      .where(and(where, isNotNull(t.responseTime)))
      .groupBy(t.responseTime)
      .orderBy(t.responseTime),
  ]);

  const byStatus = { SUCCESS: 0, FAIL: 0, QUEUED: 0, SUPPRESSED: 0 };
  const totals = new Array<number>(slots).fill(0);
  const failed = new Array<number>(slots).fill(0);
  for (const group of groups) {
    const key = group.status === '' ? 'SUPPRESSED' : (group.status as keyof typeof byStatus);
    if (key in byStatus) byStatus[key] += group.count;
    if (group.bucket === null) continue;
    const slot = Math.round((new Date(group.bucket).getTime() - first) / bucketMs);
    if (slot >= 0 && slot < slots) {
      totals[slot]! += group.count;
      if (group.status === 'FAIL') failed[slot]! += group.count;
    }
  }
  const total = byStatus.SUCCESS + byStatus.FAIL + byStatus.QUEUED + byStatus.SUPPRESSED;
  const timed = histogram.filter((h): h is { value: number; count: number } => h.value !== null);
  const timedTotal = timed.reduce((n, h) => n + h.count, 0);
  const p50 = histogramPercentile(timed, timedTotal, 0.5);
  const p95 = histogramPercentile(timed, timedTotal, 0.95);
  return {
    total,
    byStatus,
    successRate: byStatus.SUCCESS + byStatus.FAIL > 0 ? byStatus.SUCCESS / (byStatus.SUCCESS + byStatus.FAIL) : null,
    responseTimeMs: p50 === null || p95 === null ? null : { p50, p95 },
    series: { bucketMs, points: totals.map((n, i) => ({ t: new Date(first + i * bucketMs).toISOString(), total: n, failed: failed[i] ?? 0 })) },
  };
}
