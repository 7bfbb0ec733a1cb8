import type { Collection, Db, Filter } from 'mongodb';
import type { Announce, BodyRetentionPosition, LogIndex } from './log-index';
import type { DeliveryOutcome } from '../../workflows/types';
import { DISPATCHES_COLLECTION, LOGS_COLLECTION, RETRY_LOGS_COLLECTION, withOmittedFields, type AttemptRecord, type DispatchDocument, type LogDocument, type RetryLogDocument } from './log-document';
import { bodyRemoval, retryErrorWithoutAnswer } from '../retention/body-removal';

export type LogFinalFields = Pick<
  LogDocument,
  'status' | 'error_message' | 'request' | 'response_body' | 'response_status_code' | 'response_time' | 'fusion_log' | 'sent_to_mirth' | 'endpoint'
>;

/** Indexes that serve the dashboard's filters (newest first within each filter). */
const INDEXES: Array<{ key: Record<string, 1 | -1>; name: string; unique?: boolean }> = [
  { key: { inserted_at: -1 }, name: 'inserted_at' },
  { key: { type: 1, inserted_at: -1 }, name: 'type_inserted_at' },
  { key: { lab_id: 1, inserted_at: -1 }, name: 'lab_inserted_at' },
  { key: { status: 1, inserted_at: -1 }, name: 'status_inserted_at' },
  { key: { developer_id: 1, inserted_at: -1 }, name: 'developer_inserted_at' },
  { key: { action_category_id: 1, inserted_at: -1 }, name: 'action_inserted_at' },
  { key: { event_id: 1 }, name: 'event_id' },
  // The dashboard's combined filters and searches (src/logstore/log-query.ts). MongoDB uses them for
  // filter + sort + limit; FerretDB 1.x reads through none of them (docs/log-query-benchmark.md).
  { key: { lab_id: 1, status: 1, inserted_at: -1 }, name: 'lab_status_inserted_at' },
  { key: { type: 1, status: 1, inserted_at: -1 }, name: 'type_status_inserted_at' },
  { key: { activity_date: -1 }, name: 'activity_date' },
  { key: { 'retry_context.entity_type': 1, 'retry_context.entity_id': 1 }, name: 'entity' },
];

/** The log store's one writer of delivery and API logs. */
export class DeliveryLogs {
  // The handles stay in here: every other module asks by a named query below.
  private readonly collection: Collection<LogDocument>;
  private readonly retries: Collection<RetryLogDocument>;
  private readonly dispatches: Collection<DispatchDocument>;

  /**
   * `index` is the dashboard's read model in PostgreSQL: every write below that changes a listed
   * field writes the log's row too, after the log itself (the log store is the record).
   */
  constructor(
    private readonly db: Db,
    private readonly index: LogIndex,
  ) {
    this.collection = db.collection<LogDocument>(LOGS_COLLECTION);
    this.retries = db.collection<RetryLogDocument>(RETRY_LOGS_COLLECTION);
    this.dispatches = db.collection<DispatchDocument>(DISPATCHES_COLLECTION);
  }

  /**
   * The collection indexes. `secondary: false` is for FerretDB 1.x on PostgreSQL, which filters
   * and sorts through none of the logs' secondary indexes (its own lookups go through the GIN
   * indexes of ferret-lookup-indexes.ts) and only pays for them: every insert and update of a log
   * rewrote eleven of them. There they are not created, and dropped if an earlier start made them.
   */
  async ensureIndexes(options: { secondary: boolean } = { secondary: true }): Promise<void> {
    // The collection must exist for the lookup indexes that follow; createIndex made it before.
    await this.db.createCollection(LOGS_COLLECTION).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 48) throw error; // NamespaceExists
    });
    for (const index of INDEXES) {
      // FerretDB rejects `unique: null`, which is how the driver sends an undefined option.
      if (options.secondary) await this.collection.createIndex(index.key, { name: index.name, ...(index.unique ? { unique: true } : {}) });
      else await this.collection.dropIndex(index.name).catch((error: unknown) => {
        // IndexNotFound (27), or a collection not made yet (26): nothing to drop.
        if (![26, 27].includes((error as { code?: number }).code ?? 0)) throw error;
      });
    }
    await this.retries.createIndex({ log_id: 1, requested_at: -1 }, { name: 'log_requested_at' });
    await this.dispatches.createIndex({ log_id: 1 }, { name: 'log_id' });
    await this.dispatches.createIndex({ stored_at: 1 }, { name: 'stored_at' });
  }

  /**
   * Keeps one dispatch's full outcome (its bodies) so that Temporal history need only carry its
   * id: the dispatch activity writes it, finalizeLog reads it back (SPEC: only ids travel
   * through history). Idempotent under its id.
   */
  async storeDispatch(id: string, logId: string, outcome: DeliveryOutcome): Promise<void> {
    // As history would have carried it: JSON, so an absent field stays absent (the driver writes undefined as null).
    const asJson = JSON.parse(JSON.stringify(outcome)) as DeliveryOutcome;
    await this.dispatches.updateOne({ _id: id }, { $setOnInsert: { _id: id, log_id: logId, outcome: asJson, stored_at: new Date() } }, { upsert: true });
  }

  /**
   * A dispatch's outcome, or `applied` with the log's status when its working copy is gone because
   * this log already took it (a finalize run again after its first run's answer was lost).
   */
  async loadDispatch(id: string, logId: string): Promise<{ outcome: DeliveryOutcome } | { applied: LogDocument['status'] }> {
    const found = await this.dispatches.findOne({ _id: id });
    if (found) return { outcome: found.outcome };
    const log = await this.collection.findOne({ _id: logId }, { projection: { status: 1, applied_dispatch: 1 } });
    if (log?.applied_dispatch === id) return { applied: log.status };
    // Gone before its finalize (the retention took a copy older than its limit): the log still ends, never stuck QUEUED.
    return { outcome: { kind: 'error', errorMessage: 'The outcome of this send was removed before it reached the log (LOG_BODY_RETENTION_DAYS); retry to send again.' } };
  }

  /** Drops a dispatch's working copy once its log holds the outcome: the bodies then live in the log alone. */
  async dropDispatch(id: string): Promise<void> {
    await this.dispatches.deleteOne({ _id: id });
  }

  /**
   * Drops working copies stored before `storedBefore` whose finalize never came (a worker lost
   * between the send and the finalize: the workflow sent again under a new id). For the retention.
   */
  async dropOrphanedDispatches(storedBefore: Date): Promise<number> {
    const result = await this.dispatches.deleteMany({ stored_at: { $lt: storedBefore } });
    return result.deletedCount;
  }

  /**
   * Applies a retry's outcome: the log's fields, its counter (once per retry id, even when the
   * activity runs again) and the retry record.
   */
  async finalizeRetry(logId: string, fields: Partial<LogFinalFields>, record: RetryLogDocument, lastAttempt?: AttemptRecord, dispatchId?: string): Promise<void> {
    const counter = record.kind === 'auto' ? 'auto_retry_count' : 'retry_count';
    await this.collection.updateOne(
      { _id: logId, retry_ids: { $ne: record.retry_id } },
      { $inc: { [counter]: 1 }, $push: { retry_ids: record.retry_id } },
    );
    // The record before the log's outcome, whose write announces the retry: a dashboard that hears
    // of it finds the record.
    await this.retries.updateOne({ _id: record._id }, { $setOnInsert: record }, { upsert: true });
    await this.writeOutcome(logId, fields, lastAttempt, dispatchId, { retryId: record.retry_id });
  }

  history(logId: string): Promise<RetryLogDocument[]> {
    return this.retries.find({ log_id: logId }).sort({ requested_at: 1 }).toArray();
  }

  /**
   * Idempotent: a replayed or retried pre-creation finds the log already there and changes nothing.
   * The new row is announced to open dashboards (src/logstore/log-changes.ts).
   */
  async createQueued(doc: LogDocument): Promise<{ created: boolean }> {
    // An insert, not an upsert: one statement in FerretDB (an upsert is a read and a write), and
    // FerretDB 1.x keeps the document's nulls and empty arrays on insert (an upsert drops them).
    let created = true;
    try {
      await this.collection.insertOne(doc);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      created = false;
    }
    // Also on a replay: the row may be what a crash between the two writes left out (and its
    // insert is what announces the new log).
    await this.index.insertAnnounced(doc);
    return { created };
  }

  async recordAttempt(logId: string, attempt: AttemptRecord): Promise<void> {
    await this.collection.updateOne({ _id: logId }, { $push: { attempts: attempt }, $set: { updated_at: new Date() } });
  }

  /**
   * Writes the outcome; `lastAttempt` is added when its own write was lost (the store was down then);
   * `dispatchId` names the stored outcome it came from (see loadDispatch). Announced, like a retry's.
   */
  finalize(logId: string, fields: Partial<LogFinalFields>, lastAttempt?: AttemptRecord, dispatchId?: string): Promise<void> {
    return this.writeOutcome(logId, fields, lastAttempt, dispatchId, {});
  }

  private async writeOutcome(logId: string, fields: Partial<LogFinalFields>, lastAttempt: AttemptRecord | undefined, dispatchId: string | undefined, announce: Announce): Promise<void> {
    // One write: the attempt is added unless the same record is there already (its own write got
    // through), and a retry of a log whose bodies were removed records new ones, so the removal's
    // mark goes (an $unset of an absent field changes nothing).
    const newBodies = fields.request !== undefined || fields.response_body !== undefined;
    const now = await this.collection.findOneAndUpdate(
      { _id: logId },
      {
        $set: { ...fields, updated_at: new Date(), ...(dispatchId ? { applied_dispatch: dispatchId } : {}) },
        ...(lastAttempt ? { $addToSet: { attempts: lastAttempt } } : {}),
        ...(newBodies ? { $unset: { bodies_removed_at: '', body_retention_days: '' } } : {}),
      },
      { returnDocument: 'after' },
    );
    if (!now) throw new Error(`log ${logId} does not exist; it must be pre-created before it is finalized`);
    await this.index.upsertAnnounced(now, announce);
  }

  /**
   * Says why QUEUED logs wait (their endpoint is paused, or an ordered key is blocked): the reason
   * is their error_message until their send writes its outcome. A log that is no longer QUEUED is left alone.
   */
  async markWaiting(logIds: string[], reason: string): Promise<void> {
    for (const logId of logIds) {
      const now = await this.collection.findOneAndUpdate({ _id: logId, status: 'QUEUED' }, { $set: { error_message: reason, updated_at: new Date() } }, { returnDocument: 'after' });
      if (now) await this.index.upsertAnnounced(now, {});
    }
  }

  /** The workflow, lab and event date of these logs (an endpoint's flow adopting its waiting deliveries). */
  async workflowRefs(logIds: string[]): Promise<Array<{ logId: string; workflowId: string; labId: number; activityDate: string }>> {
    if (logIds.length === 0) return [];
    const docs = await this.collection.find({ _id: { $in: logIds } }, { projection: { workflow_id: 1, lab_id: 1, activity_date: 1, inserted_at: 1 } }).toArray();
    return docs.flatMap((doc) => (doc.workflow_id ? [{ logId: doc._id, workflowId: doc.workflow_id, labId: doc.lab_id ?? 0, activityDate: (doc.activity_date ?? doc.inserted_at).toISOString() }] : []));
  }

  async insertApiLog(doc: LogDocument): Promise<void> {
    // Idempotent, so a write repeated after the row's insert failed completes both. (An upsert
    // with $setOnInsert would do, but FerretDB 1.x leaves its null fields out of the document.)
    try {
      await this.collection.insertOne(doc);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
    }
    await this.index.insert([doc]);
  }

  /**
   * Removes the patient data of a log last written before `writtenBefore` (src/retention), keeping
   * its metadata, and marks it. Idempotent and safe beside live writers: a log written since (a
   * retry) is left alone, and its retry records are cleaned before the log is marked, so a crash
   * in between is finished by the next run. `missing`: the read model lists a log the store lacks.
   */
  async removeBodies(logId: string, writtenBefore: Date, removedAt: Date, retentionDays: number): Promise<'removed' | 'kept' | 'missing'> {
    const doc = await this.collection.findOne({ _id: logId });
    if (!doc) return 'missing';
    if (doc.bodies_removed_at || doc.updated_at >= writtenBefore) {
      // Removed already, or written since: the row was behind the log; bring it level so it leaves the candidates.
      await this.index.upsert([doc]);
      return 'kept';
    }
    for (const record of await this.retries.find({ log_id: logId }).toArray()) {
      const error = retryErrorWithoutAnswer(record, doc.integration_type);
      if (error !== record.error_message) await this.retries.updateOne({ _id: record._id }, { $set: { error_message: error } });
    }
    // Only if nothing wrote the log in between; the removal keeps updated_at (the delivery's own time).
    const now = await this.collection.findOneAndUpdate({ _id: logId, updated_at: doc.updated_at }, { $set: bodyRemoval(doc, removedAt, retentionDays) }, { returnDocument: 'after' });
    if (!now) return 'kept';
    await this.index.upsert([now]);
    return 'removed';
  }

  async get(logId: string): Promise<LogDocument | null> {
    const doc = await this.collection.findOne({ _id: logId });
    return doc && withOmittedFields(doc);
  }

  /** Webhook logs QUEUED since before `queuedBefore` (Mirth's are swept, not reported), oldest first. */
  stuckQueued(queuedBefore: Date, scope: Filter<LogDocument>, limit: number) {
    return this.collection
      .find(
        { type: 'WEBHOOK', status: 'QUEUED', integration_type: { $ne: 'mirth' }, inserted_at: { $lte: queuedBefore }, ...scope },
        { projection: { _id: 1, lab_id: 1, operation: 1, integration_type: 1, developer_name: 1, inserted_at: 1, workflow_id: 1 } },
      )
      .sort({ inserted_at: 1 })
      .limit(limit)
      .toArray();
  }

  /** Ids of the logs matching `filter` in `_id` order after `after`: large selections page instead of loading everything. */
  async idsAfter(filter: Filter<LogDocument>, after: string | undefined, limit: number): Promise<string[]> {
    const page = await this.collection
      .find({ ...filter, ...(after ? { _id: { $gt: after } } : {}) }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return page.map((doc) => doc._id);
  }

  /** About how many logs the store holds (the collection's count, not a scan). */
  estimatedCount(): Promise<number> {
    return this.collection.estimatedDocumentCount();
  }

  /**
   * Rewrites the read-model rows of the next `limit` logs after `after` (in `_id` order) from the
   * store; answers the last id done, or undefined when none was left. Idempotent: newer rows are kept.
   */
  async reindexPage(after: string | undefined, limit: number): Promise<{ count: number; last?: string }> {
    const batch = await this.collection
      // Bodies and attempts are not on a row: leave them in the store (the request's URL gives an older log its endpoint).
      .find(after === undefined ? {} : { _id: { $gt: after } }, { projection: { 'request.body': 0, 'request.headers': 0, response_body: 0, attempts: 0 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    if (batch.length === 0) return { count: 0 };
    await this.index.upsert(batch);
    return { count: batch.length, last: batch[batch.length - 1]!._id };
  }

  /** The read model's ids of logs last written before `before` that still hold bodies (see LogIndex). */
  withBodiesWrittenBefore(before: Date, after: BodyRetentionPosition | undefined, limit: number): Promise<BodyRetentionPosition[]> {
    return this.index.withBodiesWrittenBefore(before, after, limit);
  }

  /** Marks rows whose log the store no longer has, so the retention does not come back to them. */
  markRowsBodiesRemoved(ids: string[], at: Date): Promise<void> {
    return this.index.markBodiesRemoved(ids, at);
  }

  /** The retry record of `retryId` on `logId`, if that retry was recorded. */
  retryRecord(retryId: string, logId: string): Promise<RetryLogDocument | null> {
    return this.retries.findOne({ _id: retryId, log_id: logId });
  }
}
