import { randomBytes, randomInt } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { openConfigStore, type ConfigDb, type ConfigStore } from '../src/db/config-store';
import * as schema from '../src/db/schema';
import { logIndex } from '../src/db/schema';
import { InputError } from '../src/errors';
import { DeliveryLogs } from '../src/logstore/delivery-logs';
import { LogIndex } from '../src/logstore/log-index';
import { subscribeLogChanges, type LogChange } from '../src/logstore/log-changes';
import type { LogDocument, RetryLogDocument } from '../src/logstore/log-document';
import type { LogFilter } from '../src/logstore/log-filter';
import { countLogs, listLogs, logStats, type LogRow } from '../src/logstore/log-query';
import { ALL_LABS } from '../src/auth/lab-scope';
import { openLogStore, type LogStore } from '../src/logstore/log-store';
import type { LogStatus } from '../workflows/types';
import { testConfig, uniqueId } from './support/fixtures';

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const MINUTE = 60_000;

/** A lab id no other test uses, so only this test's logs match its filters. */
const uniqueLabId = () => 800_000_000 + randomInt(100_000_000);
const newLogId = () => randomBytes(12).toString('hex');

function log(labId: number, fields: Partial<LogDocument> & { status: LogStatus; inserted_at: Date }): LogDocument {
  const id = fields._id ?? newLogId();
  return {
    _id: id,
    type: 'WEBHOOK',
    lab_id: labId,
    org_id: null,
    developer_id: 1,
    developer_name: 'Acme EHR',
    auth_id: 1,
    lab_integration_id: 1,
    action_category_id: 1,
    operation: 'Bill Generated',
    integration_type: 'webhook',
    error_message: null,
    request: { method: 'POST', url: 'https://partner.example/hook', headers: {}, body: '{"big":"body"}' },
    response_body: 'ok',
    response_status_code: 200,
    response_time: 100,
    fusion_log: null,
    sent_to_mirth: false,
    retry_count: 0,
    auto_retry_count: 0,
    triggered_by_py3: false,
    origin: 'livehealth',
    retry_context: { entity_type: 'bill', entity_id: 1, lab_id: labId, org_id: null, action_category_id: 1, lab_integration_id: 1, auth_id: 1 },
    workflow_id: `delivery-${id}`,
    run_id: null,
    event_id: uniqueId('evt'),
    activity_date: fields.inserted_at,
    updated_at: fields.inserted_at,
    attempts: [],
    ...fields,
  };
}

/** A manual retry of `logId` that succeeded, as its integration_retry_logs record. */
function successfulRetry(logId: string, responseTime: number): RetryLogDocument {
  return {
    _id: newLogId(),
    log_id: logId,
    retry_id: uniqueId('retry'),
    kind: 'manual',
    requested_by: 'test',
    requested_at: new Date(),
    finished_at: new Date(),
    status: 'SUCCESS',
    response_status_code: 200,
    error_message: null,
    response_time: responseTime,
  };
}

describe('log queries (list and stats over the read model, written by the log writer)', () => {
  const config = testConfig();
  let store: LogStore;
  let configStore: ConfigStore;
  let logs: DeliveryLogs;
  let index: LogIndex;

  beforeAll(async () => {
    store = await openLogStore(config.logStore.url, config.logStore.database);
    configStore = openConfigStore(config.postgres.url, { max: 2 });
    index = new LogIndex(configStore.db);
    logs = new DeliveryLogs(store.db, index);
    await logs.ensureIndexes();
  });
  afterAll(async () => {
    await store.close();
    await configStore.close();
  });

  const rowOf = async (id: string) => (await configStore.db.select().from(logIndex).where(eq(logIndex.id, id)))[0];

  /**
   * Writes a log the way deliveries do: an API log at once; a delivery log pre-created QUEUED and
   * then finalized with its outcome (when it has one), so the row follows the writer.
   */
  async function write(doc: LogDocument): Promise<void> {
    if (doc.type === 'API') return logs.insertApiLog(doc);
    await logs.createQueued({ ...doc, status: 'QUEUED', response_time: null, response_status_code: null, error_message: null });
    if (doc.status !== 'QUEUED') {
      const { status, response_time, response_status_code, error_message } = doc;
      await logs.finalize(doc._id, { status, response_time, response_status_code, error_message });
    }
  }
  const writeAll = async (docs: LogDocument[]) => {
    for (const doc of docs) await write(doc);
  };

  it('keeps the row in step with the log: finalize, retries, replays and older documents', async () => {
    const labId = uniqueLabId();
    const doc = log(labId, { status: 'QUEUED', inserted_at: new Date(T0), response_time: null, response_status_code: null });

    // Pre-created: a QUEUED row; a replayed pre-creation changes nothing
    expect((await logs.createQueued(doc)).created).toBe(true);
    expect(await rowOf(doc._id)).toMatchObject({ status: 'QUEUED', labId, retryCount: 0, responseTime: null });
    expect((await logs.createQueued(doc)).created).toBe(false);

    // Finalized: the row takes the outcome
    await logs.finalize(doc._id, { status: 'FAIL', response_status_code: 500, response_time: 812, error_message: 'HTTP 500' });
    expect(await rowOf(doc._id)).toMatchObject({ status: 'FAIL', responseStatusCode: 500, responseTime: 812, errorMessage: 'HTTP 500' });
    expect((await listLogs(configStore.db, ALL_LABS, { labId, status: ['FAIL'] }, { limit: 5 })).items.map((r) => r.id)).toEqual([doc._id]);

    // A manual retry that succeeds, applied twice (the activity ran again): counted once
    const retry = successfulRetry(doc._id, 95);
    await logs.finalizeRetry(doc._id, { status: 'SUCCESS', response_status_code: 200, response_time: 95, error_message: null }, retry);
    await logs.finalizeRetry(doc._id, { status: 'SUCCESS', response_status_code: 200, response_time: 95, error_message: null }, retry);
    const afterRetry = await rowOf(doc._id);
    expect(afterRetry).toMatchObject({ status: 'SUCCESS', retryCount: 1, autoRetryCount: 0, responseTime: 95, errorMessage: null });
    expect((await listLogs(configStore.db, ALL_LABS, { labId }, { limit: 5 })).items[0]).toMatchObject({ status: 'SUCCESS', retry_count: 1 });

    // An older document (a late replay of the pre-creation, or a slow writer) never overwrites the newer row
    await logs.createQueued(doc);
    await index.upsert([doc]);
    await index.insert([doc]);
    expect(await rowOf(doc._id)).toEqual(afterRetry);

    // An API log is written once, with its row
    const api = log(labId, { status: 'SUCCESS', type: 'API', inserted_at: new Date(T0 + MINUTE), retry_context: null, event_id: null, endpoint: '/partner/v1/reports' });
    await logs.insertApiLog(api);
    expect(await rowOf(api._id)).toMatchObject({ type: 'API', status: 'SUCCESS', endpoint: '/partner/v1/reports', entityType: null });
    expect(await countLogs(configStore.db, ALL_LABS, { labId })).toBe(2);

    // Several rows in one statement (labwire reindex-logs): each newer document replaces its row
    const later = new Date(Date.now() + MINUTE);
    await index.upsert([
      { ...api, status: 'FAIL', response_status_code: 500, updated_at: later },
      { ...doc, status: 'FAIL', error_message: 'gone', retry_count: 1, updated_at: later },
    ]);
    expect(await rowOf(api._id)).toMatchObject({ status: 'FAIL', responseStatusCode: 500 });
    expect(await rowOf(doc._id)).toMatchObject({ status: 'FAIL', errorMessage: 'gone' });
  });

  async function allPages(filter: LogFilter, limit: number): Promise<{ rows: LogRow[]; pages: number }> {
    const rows: LogRow[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listLogs(configStore.db, ALL_LABS, filter, { limit, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      pages += 1;
      cursor = page.nextCursor ?? undefined;
      expect(pages).toBeLessThan(50);
    } while (cursor);
    return { rows, pages };
  }

  it('announces each change of a delivery log to open dashboards once, by the write that makes it', async () => {
    const labId = uniqueLabId();
    const heard: LogChange[] = [];
    const unlisten = await subscribeLogChanges(configStore.sql, (change) => {
      if (change.labId === labId) heard.push(change);
    });
    try {
      const doc = log(labId, { status: 'QUEUED', inserted_at: new Date(T0), response_time: null, response_status_code: null });
      await logs.createQueued(doc);
      await logs.createQueued(doc); // a replay: no new row, nothing to announce
      await logs.finalize(doc._id, { status: 'FAIL', response_status_code: 500, response_time: 40, error_message: 'HTTP 500' });
      const retry = successfulRetry(doc._id, 30);
      await logs.finalizeRetry(doc._id, { status: 'SUCCESS', response_status_code: 200, response_time: 30, error_message: null }, retry);
      await index.upsertAnnounced(doc, {}); // an older document: the row keeps its newer state, nothing is announced
      await logs.insertApiLog(log(labId, { status: 'SUCCESS', type: 'API', inserted_at: new Date(T0), retry_context: null, event_id: null }));
      // NOTIFY arrives after its statement's commit; the next round trip on the listening side comes after it.
      await configStore.sql`select 1`;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual([
        { logId: doc._id, status: 'QUEUED', labId },
        { logId: doc._id, status: 'FAIL', labId },
        { logId: doc._id, status: 'SUCCESS', labId, retryId: retry.retry_id },
      ]);
    } finally {
      await unlisten();
    }
  });

  it('pages newest first through logs sharing one timestamp, with no duplicates and no gaps', async () => {
    // Given 23 logs at the same instant and 4 older ones, across two statuses
    const labId = uniqueLabId();
    const same = new Date(T0);
    const docs = [
      ...Array.from({ length: 23 }, (_, i) => log(labId, { status: i % 3 === 0 ? 'FAIL' : 'QUEUED', inserted_at: same })),
      ...Array.from({ length: 4 }, (_, i) => log(labId, { status: 'FAIL', inserted_at: new Date(T0 - (i + 1) * MINUTE) })),
    ];
    await writeAll(docs);

    // When the Errors tab is read 5 rows at a time
    const { rows, pages } = await allPages({ labId, status: ['FAIL', 'QUEUED'] }, 5);

    // Then every log comes exactly once, newest first, ties by id
    expect(pages).toBe(6);
    expect(rows).toHaveLength(27);
    expect(new Set(rows.map((r) => r.id)).size).toBe(27);
    const expected = [...docs].sort((a, b) => b.inserted_at.getTime() - a.inserted_at.getTime() || (a._id < b._id ? 1 : -1)).map((d) => d._id);
    expect(rows.map((r) => r.id)).toEqual(expected);
  });

  it('returns rows without bodies, with the entity, and refuses a tampered cursor', async () => {
    const labId = uniqueLabId();
    await writeAll([
      log(labId, { status: 'FAIL', inserted_at: new Date(T0), error_message: 'e'.repeat(2_000), retry_context: null, type: 'API' }),
      log(labId, { status: 'SUCCESS', inserted_at: new Date(T0 - MINUTE) }),
    ]);
    const page = await listLogs(configStore.db, ALL_LABS, { labId }, { limit: 1 });
    expect(page.items[0]).toMatchObject({ type: 'API', status: 'FAIL', entity: null });
    expect(page.items[0]?.error_message?.length).toBeLessThanOrEqual(300);
    expect(page.items[0]).not.toHaveProperty('request');
    expect(page.items[0]).not.toHaveProperty('response_body');
    const second = await listLogs(configStore.db, ALL_LABS, { labId }, { limit: 1, cursor: page.nextCursor! });
    expect(second.items[0]).toMatchObject({ status: 'SUCCESS', entity: 'bill:1' });
    expect(second.nextCursor).toBeNull();

    const tampered = `${page.nextCursor!.slice(0, 5)}x${page.nextCursor!.slice(6)}`;
    await expect(listLogs(configStore.db, ALL_LABS, { labId }, { limit: 1, cursor: tampered })).rejects.toThrow(InputError);
    await expect(listLogs(configStore.db, ALL_LABS, { labId: labId + 1 }, { limit: 1, cursor: page.nextCursor! })).rejects.toMatchObject({ field: 'cursor' });
  });

  it('applies each filter, hides suppressed logs unless asked, and finds logs by log, event or entity id', async () => {
    const labId = uniqueLabId();
    const at = (minutes: number) => new Date(T0 + minutes * MINUTE);
    const webhook = log(labId, { status: 'SUCCESS', inserted_at: at(0), developer_id: 2, action_category_id: 4 });
    const api = log(labId, { status: 'FAIL', inserted_at: at(1), type: 'API', retry_context: null, event_id: null });
    const suppressed = log(labId, { status: '', inserted_at: at(2) });
    const entity = log(labId, { status: 'QUEUED', inserted_at: at(3), retry_context: { ...webhook.retry_context!, entity_type: 'report', entity_id: 4242 } });
    const lateBusinessDate = log(labId, { status: 'SUCCESS', inserted_at: at(4), activity_date: new Date(T0 + 3 * 86_400_000) });
    await writeAll([webhook, api, suppressed, entity, lateBusinessDate]);
    const ids = async (filter: Omit<LogFilter, 'labId'>) => (await listLogs(configStore.db, ALL_LABS, { labId, ...filter }, { limit: 50 })).items.map((r) => r.id).sort();
    const sorted = (...docs: LogDocument[]) => docs.map((d) => d._id).sort();

    expect(await ids({})).toEqual(sorted(webhook, api, entity, lateBusinessDate));
    expect(await ids({ includeSuppressed: true })).toEqual(sorted(webhook, api, suppressed, entity, lateBusinessDate));
    expect(await ids({ status: ['SUPPRESSED'] })).toEqual(sorted(suppressed));
    expect(await ids({ status: [''] })).toEqual(sorted(suppressed));
    expect(await ids({ type: 'API' })).toEqual(sorted(api));
    expect(await ids({ developerId: 2, actionCategoryId: 4 })).toEqual(sorted(webhook));
    expect(await ids({ from: at(1).toISOString(), to: at(3).toISOString() })).toEqual(sorted(api, entity));
    expect(await ids({ dateField: 'activity_date', from: new Date(T0 + 86_400_000).toISOString() })).toEqual(sorted(lateBusinessDate));
    expect(await ids({ q: webhook._id.toUpperCase() })).toEqual(sorted(webhook));
    expect(await ids({ q: webhook.event_id! })).toEqual(sorted(webhook));
    expect(await ids({ q: 'report:4242' })).toEqual(sorted(entity));
    expect(await ids({ q: 'report:4243' })).toEqual([]);
  });

  it('sends list queries that an index answers in order, without sorting (the 1,000,000-log bench depends on it)', async () => {
    // The SQL listLogs sends, kept by a logger on the same pool
    let query: { sql: string; params: unknown[] } | undefined;
    const db: ConfigDb = drizzle(configStore.sql, { schema, logger: { logQuery: (sql, params) => void (query = { sql, params }) } });
    const plans: string[] = [];
    for (const filter of [{}, { type: 'WEBHOOK' }, { labId: 1 }, { labId: 1, status: ['FAIL'] }, { developerId: 2 }, { actionCategoryId: 4 }] satisfies LogFilter[]) {
      await listLogs(db, ALL_LABS, filter, { limit: 50 });
      const sent = query!;
      // With sorting and unordered scans priced out, a plan that still sorts means no index gives the ORDER BY
      const plan = await configStore.sql.begin(async (tx) => {
        await tx`set local enable_seqscan = off`;
        await tx`set local enable_bitmapscan = off`;
        await tx`set local enable_sort = off`;
        return tx.unsafe(`explain ${sent.sql}`, sent.params as never[]);
      });
      plans.push(`${JSON.stringify(filter)}: ${plan.map((row) => String(row['QUERY PLAN'])).join(' / ')}`);
    }
    expect(plans.filter((plan) => /\bSort\b/.test(plan))).toEqual([]);
  });

  it('gives the figures of a known set: counts by status, success rate, response-time percentiles and a series', async () => {
    // Given, over one hour: 6 SUCCESS (100..600 ms), 2 FAIL (1000 ms), 1 QUEUED, 1 suppressed
    const labId = uniqueLabId();
    const docs = [
      ...[100, 200, 300, 400, 500, 600].map((ms, i) => log(labId, { status: 'SUCCESS', response_time: ms, inserted_at: new Date(T0 + i * 10 * MINUTE) })),
      log(labId, { status: 'FAIL', response_time: 1000, inserted_at: new Date(T0 + 5 * MINUTE) }),
      log(labId, { status: 'FAIL', response_time: 1000, inserted_at: new Date(T0 + 50 * MINUTE) }),
      log(labId, { status: 'QUEUED', response_time: null, inserted_at: new Date(T0 + 20 * MINUTE) }),
      log(labId, { status: '', response_time: 50, inserted_at: new Date(T0 + 30 * MINUTE) }),
    ];
    await writeAll(docs);
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 60 * MINUTE - 1).toISOString();

    const stats = await logStats(configStore.db, ALL_LABS, { labId, from, to });

    expect(stats.total).toBe(9);
    expect(stats.byStatus).toEqual({ SUCCESS: 6, FAIL: 2, QUEUED: 1, SUPPRESSED: 0 });
    expect(stats.successRate).toBeCloseTo(6 / 8);
    expect(stats.responseTimeMs).toEqual({ p50: 400, p95: 1000 });
    expect(stats.series.bucketMs).toBe(MINUTE);
    expect(stats.series.points).toHaveLength(60);
    expect(stats.series.points[0]).toEqual({ t: from, total: 1, failed: 0 });
    expect(stats.series.points[5]).toEqual({ t: new Date(T0 + 5 * MINUTE).toISOString(), total: 1, failed: 1 });
    expect(stats.series.points.reduce((n, p) => n + p.total, 0)).toBe(9);

    const withSuppressed = await logStats(configStore.db, ALL_LABS, { labId, includeSuppressed: true });
    expect(withSuppressed.byStatus.SUPPRESSED).toBe(1);
    expect(withSuppressed.total).toBe(10);

    const errors = await logStats(configStore.db, ALL_LABS, { labId, status: ['FAIL', 'QUEUED'] });
    expect(errors).toMatchObject({ total: 3, byStatus: { SUCCESS: 0, FAIL: 2, QUEUED: 1, SUPPRESSED: 0 }, successRate: 0 });

    const none = await logStats(configStore.db, ALL_LABS, { labId: uniqueLabId() });
    expect(none).toMatchObject({ total: 0, successRate: null, responseTimeMs: null });
  });
});
