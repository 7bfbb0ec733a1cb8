import { and, asc, getTableColumns, inArray, isNull, lt, sql, type SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { ConfigDb } from '../db/config-store';
import { preparedPerDb } from '../db/prepared';
import { logIndex } from '../db/schema';
import { endpointOfUrl } from './endpoint';
import { LOG_CHANGES_CHANNEL } from './log-changes';
import type { LogDocument } from './log-document';

/** Longest error message kept on a row; the log document keeps the whole one. */
export const ROW_ERROR_MAX = 300;

export type LogIndexRow = typeof logIndex.$inferInsert;

/** An upsert's new values: every column but the id, from the row offered (`excluded`). */
const NEWER_ROW = Object.fromEntries(
  Object.entries(getTableColumns(logIndex))
    .filter(([key]) => key !== 'id')
    .map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]),
);
const OLDER_ROW_ONLY = sql`${logIndex.updatedAt} <= excluded.updated_at`;

/**
 * A delivery log's own writes, which open dashboards hear of: the statement writes the row and
 * announces it (NOTIFY on LOG_CHANGES_CHANNEL, a LogChange of src/logstore/log-changes.ts), so a
 * change is announced once it is visible, and a write that left the row as it was (an older
 * document) announces nothing.
 * Built once per handle with placeholders (src/db/prepared.ts): assembling a 26-column insert
 * was the larger part of the worker's cost of these writes.
 */
const announcedWrites = preparedPerDb((db) => {
  // Each value as the driver takes it (driverValues): drizzle's column encoders, which a bare
  // placeholder would get, fail on a null timestamp.
  const row = Object.fromEntries(Object.keys(getTableColumns(logIndex)).map((key) => [key, sql`${sql.placeholder(key)}`])) as unknown as LogIndexRow;
  return {
    insert: announcing(db, 'log_index_insert', db.insert(logIndex).values(row).onConflictDoNothing()),
    upsert: announcing(db, 'log_index_upsert', db.insert(logIndex).values(row).onConflictDoUpdate({ target: logIndex.id, set: NEWER_ROW, setWhere: OLDER_ROW_ONLY })),
  };
});

function announcing(db: ConfigDb, name: string, write: { returning(fields: typeof ANNOUNCED): SQLWrapper }) {
  const change = sql`json_strip_nulls(json_build_object('logId', id, 'status', status, 'labId', lab_id, 'retryId', ${sql.placeholder('retryId')}::text))::text`;
  // Drizzle puts the embedded insert in parentheses, as a CTE needs.
  const statement = sql`with written as ${write.returning(ANNOUNCED)} select pg_notify(${LOG_CHANGES_CHANNEL}, ${change}) from written`;
  const prepared = db._.session.prepareQuery(new PgDialect().sqlToQuery(statement), undefined, name, false);
  return (doc: LogDocument, announce: Announce) => prepared.execute({ ...driverValues(logIndexRow(doc)), retryId: announce.retryId ?? null });
}

/** A row's values as the driver takes them: drizzle's postgres-js client sends timestamps as text. */
function driverValues(row: LogIndexRow): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value]));
}

/**
 * Announcing is passive: should PostgreSQL's NOTIFY queue be full (a listener that stopped
 * reading), the row is written unannounced rather than the delivery's write failing with it.
 */
function unlessNotifyQueueFull(error: unknown, writeUnannounced: () => Promise<void>): Promise<void> {
  const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  if (code === NOTIFY_QUEUE_FULL) return writeUnannounced();
  throw error;
}

/** SQLSTATE program_limit_exceeded: "too many notifications in the NOTIFY queue". */
const NOTIFY_QUEUE_FULL = '54000';

/** What a LogChange says of a written row. */
const ANNOUNCED = { id: logIndex.id, status: logIndex.status, labId: logIndex.labId };

function cut(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return text.length <= ROW_ERROR_MAX ? text : `${text.slice(0, ROW_ERROR_MAX - 1)}…`;
}

/** The listed fields of a log document, as its row. */
export function logIndexRow(doc: LogDocument): LogIndexRow {
  return {
    id: doc._id,
    type: doc.type,
    labId: doc.lab_id ?? null,
    orgId: doc.org_id ?? null,
    developerId: doc.developer_id ?? null,
    developerName: doc.developer_name ?? null,
    actionCategoryId: doc.action_category_id ?? null,
    operation: doc.operation,
    integrationType: doc.integration_type ?? null,
    // A delivery logged before the endpoint was recorded: where its last dispatch went.
    endpoint: doc.endpoint ?? (doc.type === 'WEBHOOK' ? endpointOfUrl(doc.request?.url) : null),
    labIntegrationId: doc.lab_integration_id ?? null,
    authId: doc.auth_id ?? null,
    status: doc.status,
    responseStatusCode: doc.response_status_code ?? null,
    responseTime: doc.response_time === null || doc.response_time === undefined ? null : Math.round(doc.response_time),
    errorMessage: cut(doc.error_message),
    retryCount: doc.retry_count ?? 0,
    autoRetryCount: doc.auto_retry_count ?? 0,
    eventId: doc.event_id ?? null,
    entityType: doc.retry_context?.entity_type ?? null,
    entityId: doc.retry_context?.entity_id ?? null,
    insertedAt: doc.inserted_at,
    activityDate: doc.activity_date ?? null,
    updatedAt: doc.updated_at ?? doc.inserted_at,
    bodiesRemovedAt: doc.bodies_removed_at ?? null,
    test: doc.test === true,
  };
}

/** A delivery log's change, for its announcement (see announcedWrites). */
export interface Announce {
  /** The retry whose outcome this is. */
  retryId?: string;
}

/**
 * The read model's writer. The log writer calls it after each change of the log document, with
 * the document as it is now; every write is idempotent, and an older document never overwrites
 * a newer row (`updated_at`), so retried activities and racing writers converge.
 */
export class LogIndex {
  constructor(readonly db: ConfigDb) {}

  /** New logs (API logs): each kept as is if a newer row exists. */
  async insert(docs: LogDocument[]): Promise<void> {
    if (docs.length === 0) return;
    await this.db.insert(logIndex).values(docs.map(logIndexRow)).onConflictDoNothing();
  }

  /** The rows of changed logs, in one statement; each replaces only an older row. Not announced (a rebuild, the retention). */
  async upsert(docs: LogDocument[]): Promise<void> {
    if (docs.length === 0) return;
    await this.db.insert(logIndex).values(docs.map(logIndexRow)).onConflictDoUpdate({ target: logIndex.id, set: NEWER_ROW, setWhere: OLDER_ROW_ONLY });
  }

  /** A delivery log pre-created QUEUED, announced; kept as is if a newer row exists. */
  async insertAnnounced(doc: LogDocument): Promise<void> {
    await announcedWrites(this.db)
      .insert(doc, {})
      .catch((error: unknown) => unlessNotifyQueueFull(error, () => this.insert([doc])));
  }

  /** A delivery log's outcome, announced; it replaces only an older row. */
  async upsertAnnounced(doc: LogDocument, announce: Announce): Promise<void> {
    await announcedWrites(this.db)
      .upsert(doc, announce)
      .catch((error: unknown) => unlessNotifyQueueFull(error, () => this.upsert([doc])));
  }

  /**
   * A page of logs that still have bodies and were last written before `before`, oldest first,
   * after the keyset position `after` (served by the partial index log_index_bodies_kept_idx).
   */
  async withBodiesWrittenBefore(before: Date, after: BodyRetentionPosition | undefined, limit: number): Promise<BodyRetentionPosition[]> {
    const t = logIndex;
    // A row comparison, so PostgreSQL starts the index scan at the position (an OR would filter from the start).
    const position = after ? sql`(${t.updatedAt}, ${t.id}) > (${after.updatedAt}::timestamptz, ${after.id})` : undefined;
    const rows = await this.db
      .select({ id: t.id, updatedAt: t.updatedAt })
      .from(t)
      .where(and(isNull(t.bodiesRemovedAt), lt(t.updatedAt, before), position))
      .orderBy(asc(t.updatedAt), asc(t.id))
      .limit(limit);
    return rows.map((row) => ({ id: row.id, updatedAt: row.updatedAt.toISOString() }));
  }

  /** Rows whose log is not in the log store any more: nothing to remove, and never to be looked at again. */
  async markBodiesRemoved(ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    // The row's error text may be a partner's answer: it goes with the bodies.
    await this.db.update(logIndex).set({ bodiesRemovedAt: at, errorMessage: null }).where(and(inArray(logIndex.id, ids), isNull(logIndex.bodiesRemovedAt)));
  }
}

/** Where a body-retention page ended (the order is updated_at, then id). */
export interface BodyRetentionPosition {
  id: string;
  /** ISO 8601. */
  updatedAt: string;
}
